-- The two PostgreSQL roles of the production shape (README: "Database roles"):
--   owner: owns the database and its schema; migrations run as it (DATABASE_MIGRATION_URL)
--   app:   the service (DATABASE_URL); after each migration the owner grants it per table what the code needs, and
--          on custody_events / custody_checkpoints only SELECT and INSERT (src/db/service-role.ts)
-- Run once as a superuser, connected to the (existing, empty) database:
--   EVM_DB_OWNER=evm_owner EVM_DB_APP=evm_app EVM_DB_OWNER_PASSWORD=... EVM_DB_APP_PASSWORD=... \
--     psql -h HOST -U postgres -d evidence -f scripts/db-roles.sql
-- All four variables are optional (names default to evm_owner / evm_app; no password: set one with \password).
-- As /docker-entrypoint-initdb.d/10-db-roles.sql the official postgres image runs it against POSTGRES_DB.
\set ON_ERROR_STOP on
\getenv owner EVM_DB_OWNER
\getenv app EVM_DB_APP
\getenv owner_password EVM_DB_OWNER_PASSWORD
\getenv app_password EVM_DB_APP_PASSWORD
\if :{?owner}
\else
  \set owner evm_owner
\endif
\if :{?app}
\else
  \set app evm_app
\endif

-- NOINHERIT and no membership in the owner: the service can never SET ROLE to the owner.
create role :"owner" login nosuperuser nocreatedb nocreaterole noreplication;
create role :"app" login nosuperuser nocreatedb nocreaterole noreplication noinherit;
\if :{?owner_password}
  alter role :"owner" password :'owner_password';
\endif
\if :{?app_password}
  alter role :"app" password :'app_password';
\endif

select format('alter database %I owner to %I', current_database(), :'owner') \gexec
-- The schema owner may drop any table in it: the owner role, never the service.
alter schema public owner to :"owner";
revoke all on schema public from public;
