-- question: What data did an identity read? Every GetObject by a user (its ARN) or any session of a
--   role (the role's ARN), with bucket and key. Needs S3 data events on the trail.
-- table: cloudtrail
-- parameters: principal_arn, first_day, last_day
SELECT eventtime,
       json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
       json_extract_scalar(requestparameters, '$.key') AS object_key,
       errorcode, sourceipaddress, useridentity.arn AS principal_arn, recipientaccountid, eventid
FROM cloudtrail
WHERE eventname = 'GetObject'
  AND ? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn)
  AND dt BETWEEN ? AND ?
ORDER BY eventtime
