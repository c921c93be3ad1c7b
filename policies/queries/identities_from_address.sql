-- question: Which identities were used from an address? One row per user or role seen calling from
--   the IP, with its calls, first and last time and what it did.
-- table: cloudtrail
-- parameters: source_ip, first_day, last_day
SELECT coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS identity,
       useridentity.type AS identity_type,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       array_agg(DISTINCT eventname) AS actions
FROM cloudtrail
WHERE sourceipaddress = ?
  AND dt BETWEEN ? AND ?
GROUP BY 1, 2
ORDER BY first_seen
