// description: How many tasks each theme has, per jurisdiction and year.
// params: jurisdiction=""
MATCH (t:Task)-[:IN_THEME]->(th:Theme)
WHERE $jurisdiction = '' OR t.jurisdiction = $jurisdiction
RETURN t.jurisdiction AS jurisdiction, t.year AS year, th.pref_label AS theme, count(DISTINCT t) AS tasks
ORDER BY jurisdiction, year, tasks DESC, theme
