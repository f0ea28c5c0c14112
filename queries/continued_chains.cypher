// description: Tasks carried across at least min_years plan years by CONTINUES: one row per chain start (a task nothing continues into), with the end of its longest chain (the smallest id when several are as long) and the plan years on it; longest first.
// params: min_years=3, jurisdiction="", limit=1000
// chain_before, chain_after and chain_end are computed at build time from the
// CONTINUES edges (graph/derived.py): walking every chain of a national graph
// takes seconds, reading them is a scan. The WITH picks the rows on what
// orders them (one row per start, so start_id decides), and chain_end is read
// for those rows only.
MATCH (s:Task)
WHERE ($jurisdiction = '' OR s.jurisdiction = $jurisdiction)
  AND s.chain_before = 0 AND s.chain_after > 0 AND s.chain_after + 1 >= $min_years
WITH s ORDER BY s.chain_after DESC, s.id LIMIT $limit
RETURN s.id AS start_id, s.chain_end AS end_id, s.chain_after + 1 AS years
ORDER BY years DESC, start_id, end_id
LIMIT $limit
