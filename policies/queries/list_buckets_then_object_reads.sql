-- question: Did discovery lead to collection? Each ListBuckets by an identity (user or role ARN),
--   with the GetObject calls the same identity made after it and the buckets they read. ListBuckets
--   alone is no proof of exfiltration; reads after it are the question (S3 data events needed).
-- table: cloudtrail
-- parameters: principal_arn, first_day, last_day
WITH calls AS (
  SELECT coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS identity,
         eventname, eventtime, sourceipaddress, eventid,
         json_extract_scalar(requestparameters, '$.bucketName') AS bucket
  FROM cloudtrail
  WHERE eventname IN ('ListBuckets', 'GetObject')
    AND ? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn)
    AND dt BETWEEN ? AND ?
)
SELECT listed.eventtime AS listed_at, listed.identity, listed.sourceipaddress, listed.eventid,
       count(later.eventid) AS object_reads_after,
       array_agg(DISTINCT later.bucket) FILTER (WHERE later.bucket IS NOT NULL) AS buckets_read
FROM calls AS listed
LEFT JOIN calls AS later
  ON later.identity = listed.identity AND later.eventname = 'GetObject' AND later.eventtime > listed.eventtime
WHERE listed.eventname = 'ListBuckets'
GROUP BY 1, 2, 3, 4
ORDER BY listed_at
