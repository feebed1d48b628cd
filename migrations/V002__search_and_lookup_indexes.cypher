// Spelling-tolerant name search for the front door (searchPeople).
CREATE FULLTEXT INDEX person_names IF NOT EXISTS FOR (n:Person) ON EACH [n.given_name, n.family_name];
// Date of birth narrows a name search; labels split children from adults.
CREATE INDEX person_dob IF NOT EXISTS FOR (n:Person) ON (n.dob);
CREATE INDEX agency_record_category IF NOT EXISTS FOR (n:AgencyRecord) ON (n.category);
