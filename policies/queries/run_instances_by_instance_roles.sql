-- question: Did an instance's credentials launch instances? RunInstances signed by an instance
--   profile role session (its name is an instance id), with the instance profile passed to the new
--   instance and the instance launched: the notes' incident.
-- table: cloudtrail
-- parameters: first_day, last_day
SELECT eventtime, recipientaccountid, awsregion, errorcode,
       useridentity.arn AS principal_arn,
       regexp_extract(useridentity.principalid, 'i-[0-9a-f]+$') AS from_instance,
       sourceipaddress,
       json_extract_scalar(requestparameters, '$.iamInstanceProfile.name') AS instance_profile,
       json_extract_scalar(responseelements, '$.instancesSet.items[0].instanceId') AS launched_instance,
       eventid
FROM cloudtrail
WHERE eventname = 'RunInstances'
  AND useridentity.type = 'AssumedRole'
  AND regexp_like(useridentity.principalid, ':i-[0-9a-f]{8,17}$')
  AND dt BETWEEN ? AND ?
ORDER BY eventtime
