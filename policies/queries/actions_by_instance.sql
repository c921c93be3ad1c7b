-- question: What did a compromised instance do with its role? Every call signed by a session of an
--   instance profile role whose session name is the instance id (EC2 names the session so), writes
--   (readOnly = false) first.
-- table: cloudtrail
-- parameters: instance_id, first_day, last_day
SELECT eventtime, readonly, eventsource, eventname, errorcode, sourceipaddress, useragent,
       useridentity.arn AS principal_arn, recipientaccountid, awsregion, requestparameters, eventid
FROM cloudtrail
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.principalid LIKE '%:' || ?
  AND dt BETWEEN ? AND ?
ORDER BY readonly, eventtime
