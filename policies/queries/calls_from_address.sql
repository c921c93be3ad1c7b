-- question: What was called from an address? Every call whose source IP is the address (the
--   walk-through's filter on the compromised instance's public IP), writes (readOnly = false) first.
-- table: cloudtrail
-- parameters: source_ip, first_day, last_day
SELECT eventtime, readonly, eventsource, eventname, errorcode, useragent,
       coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS identity,
       recipientaccountid, awsregion, eventid
FROM cloudtrail
WHERE sourceipaddress = ?
  AND dt BETWEEN ? AND ?
ORDER BY readonly, eventtime
