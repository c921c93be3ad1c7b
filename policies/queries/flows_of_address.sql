-- question: What talked to or from an address? Every flow log record with the IP as source or
--   destination (also behind a NAT: pkt-srcaddr, pkt-dstaddr), accepted or rejected.
-- table: vpc_flow_logs
-- parameters: address, first_day, last_day
SELECT from_unixtime("start") AS first_packet, account_id, vpc_id, instance_id, interface_id,
       srcaddr, srcport, dstaddr, dstport, protocol, action, packets, bytes, tcp_flags, flow_direction
FROM vpc_flow_logs
WHERE ? IN (srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr)
  AND concat(year, '/', month, '/', day) BETWEEN ? AND ?
ORDER BY "start", srcport
