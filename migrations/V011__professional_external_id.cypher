// A professional as the council's identity provider names them (an Entra object id, a Keycloak
// username, an email address), when HUB_JWT_SUBJECT_CLAIM is not `sub` (graph/professionals.py):
// one professional per name, and the lookup of every request's caller seeks this index.
CREATE CONSTRAINT professional_external_id IF NOT EXISTS FOR (n:Professional) REQUIRE n.external_id IS UNIQUE;
