-- question: What did an identity do? Every call by a user (its ARN) or by any session of a role (the
--   role's ARN), writes (readOnly = false) first.
-- table: cloudtrail
-- parameters: principal_arn, first_day, last_day
SELECT eventtime, readonly, eventsource, eventname, errorcode, sourceipaddress, useragent,
       useridentity.arn AS principal_arn, recipientaccountid, awsregion, requestparameters, eventid
FROM cloudtrail
WHERE ? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn)
  AND dt BETWEEN ? AND ?
ORDER BY readonly, eventtime
