// description: The tasks of one jurisdiction's plan of one year: one row per mandate (unit and role) with the task's deadline; a task with no unit gives one row with role and unit "".
// params: jurisdiction, year:int, limit=1000
// Tasks are reached through their plan (a task's jurisdiction and year are
// its document's): LadybugDB then scans the documents, not every task.
MATCH (d:Document)-[:CONTAINS]->(t:Task)
WHERE d.jurisdiction = $jurisdiction AND d.year = $year
OPTIONAL MATCH (x:Unit)-[:LEADS]->(t)
WITH t, count(x) AS nl
OPTIONAL MATCH (y:Unit)-[:ASSISTS]->(t)
WITH t, nl, count(y) AS na
UNWIND ['lead', 'assist', ''] AS role
OPTIONAL MATCH (l:Unit)-[:LEADS]->(t) WHERE role = 'lead'
OPTIONAL MATCH (a:Unit)-[:ASSISTS]->(t) WHERE role = 'assist'
WITH t, role, nl, na, l, a
WHERE (role = 'lead' AND l IS NOT NULL) OR (role = 'assist' AND a IS NOT NULL) OR (role = '' AND nl + na = 0)
RETURN t.id AS task_id, t.marker AS marker, role, coalesce(l.name, a.name, '') AS unit, t.deadline AS deadline
ORDER BY task_id, role DESC, unit, marker, deadline
LIMIT $limit
