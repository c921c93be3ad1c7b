-- question: Did a suspect identity or address move laterally? AssumeRole (cloud to cloud),
--   StartSession, SendCommand and SendSSHPublicKey (cloud to host) by the identity (user or role
--   ARN) or from the address, with the role or instance it reached.
-- table: cloudtrail
-- parameters: principal_arn, source_ip, first_day, last_day
SELECT eventname,
       coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS identity,
       sourceipaddress,
       coalesce(json_extract_scalar(requestparameters, '$.roleArn'),
                json_extract_scalar(requestparameters, '$.target'),
                json_extract_scalar(requestparameters, '$.instanceId'),
                json_extract_scalar(requestparameters, '$.instanceIds[0]')) AS reached,
       errorcode,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen
FROM cloudtrail
WHERE eventname IN ('AssumeRole', 'StartSession', 'SendCommand', 'SendSSHPublicKey')
  AND (? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn) OR sourceipaddress = ?)
  AND dt BETWEEN ? AND ?
GROUP BY 1, 2, 3, 4, 5
ORDER BY first_seen
