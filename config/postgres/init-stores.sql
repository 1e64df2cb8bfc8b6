-- Run once by the compose PostgreSQL when it initialises its volume (docker-entrypoint-initdb.d):
-- the workers' stores get a role and a database of their own, apart from Temporal's.
-- (A volume initialised before this file existed needs these two statements run by hand.)
CREATE ROLE project_ai LOGIN PASSWORD 'project_ai';
CREATE DATABASE project_ai OWNER project_ai;
