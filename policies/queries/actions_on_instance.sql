-- question: What was done to an instance? Every call whose request or response names the instance
--   id: who launched it, changed it, stopped it, read its console or attached a role to it.
-- table: cloudtrail
-- parameters: instance_id, first_day, last_day
SELECT eventtime, readonly, eventsource, eventname, errorcode, sourceipaddress,
       coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS identity,
       useridentity.arn AS principal_arn, recipientaccountid, awsregion, eventid
FROM cloudtrail
WHERE strpos(concat_ws(' ', requestparameters, responseelements), ?) > 0
  AND dt BETWEEN ? AND ?
ORDER BY readonly, eventtime
