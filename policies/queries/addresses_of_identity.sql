-- question: From which addresses was an identity used? One row per source IP of a user (its ARN) or
--   of any session of a role (the role's ARN), with its calls and first and last time.
-- table: cloudtrail
-- parameters: principal_arn, first_day, last_day
SELECT sourceipaddress,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       array_agg(DISTINCT eventname) AS actions
FROM cloudtrail
WHERE ? IN (useridentity.arn, useridentity.sessioncontext.sessionissuer.arn)
  AND dt BETWEEN ? AND ?
GROUP BY 1
ORDER BY first_seen
