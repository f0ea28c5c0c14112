// description: Tasks that follow a template shared across jurisdictions: similar_jurisdictions counts the distinct other jurisdictions linked by SIMILAR_TO (either direction); kept when at least min_jurisdictions - 1.
// params: min_jurisdictions=2, jurisdiction="", limit=1000
// similar_jurisdictions is computed at build time from the SIMILAR_TO edges
// (graph/derived.py): counting them per task over a national graph takes
// seconds, reading them is a scan. The WITH picks the rows on what orders them
// (task_id decides), and the rest is read for those rows only.
MATCH (t:Task)
WHERE ($jurisdiction = '' OR t.jurisdiction = $jurisdiction)
  AND t.similar_jurisdictions > 0 AND t.similar_jurisdictions >= $min_jurisdictions - 1
WITH t ORDER BY t.similar_jurisdictions DESC, t.id LIMIT $limit
RETURN t.id AS task_id, t.jurisdiction AS jurisdiction, t.similar_jurisdictions AS similar_jurisdictions
ORDER BY similar_jurisdictions DESC, task_id, jurisdiction
LIMIT $limit
