-- question: Which names did an instance look up? Every Resolver query from the instance, with the
--   answer code and the answers (command and control, tool downloads, exfiltration over DNS).
-- table: resolver_query_logs
-- parameters: instance_id, first_day, last_day
SELECT query_timestamp, account_id, region, vpc_id, srcaddr, query_name, query_type, rcode, answers,
       firewall_rule_action
FROM resolver_query_logs
WHERE srcids.instance = ?
  AND dt BETWEEN ? AND ?
ORDER BY query_timestamp
