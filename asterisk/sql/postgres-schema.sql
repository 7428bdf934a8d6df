-- PJSIP realtime tables for aicc's agents (PostgreSQL), the subset of
-- Asterisk's alembic schema (contrib/ast-db-manage/config) that aicc uses:
-- ps_endpoints, ps_auths, ps_aors, ps_contacts. Column names and types follow
-- the alembic migrations; ps_contacts is complete because Asterisk writes every
-- contact field on REGISTER. Safe to run twice.
--
--   psql "dbname=asterisk" -v ON_ERROR_STOP=1 -f asterisk/sql/postgres-schema.sql
--   aicc asterisk-config --out DIR --seed-sql postgres   # then: psql -f DIR/seed-postgres.sql

BEGIN;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'yesno_values') THEN
    CREATE TYPE yesno_values AS ENUM ('yes', 'no');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'ast_bool_values') THEN
    CREATE TYPE ast_bool_values AS ENUM ('0', '1', 'off', 'on', 'false', 'true', 'no', 'yes');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'pjsip_auth_type_values_v2') THEN
    CREATE TYPE pjsip_auth_type_values_v2 AS ENUM ('md5', 'userpass', 'google_oauth');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'pjsip_media_encryption_values') THEN
    CREATE TYPE pjsip_media_encryption_values AS ENUM ('no', 'sdes', 'dtls');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'pjsip_dtmf_mode_values_v3') THEN
    CREATE TYPE pjsip_dtmf_mode_values_v3 AS ENUM ('rfc4733', 'inband', 'info', 'auto', 'auto_info');
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS ps_endpoints (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  transport VARCHAR(40),
  aors VARCHAR(2048),
  auth VARCHAR(255),
  context VARCHAR(40),
  disallow VARCHAR(200),
  allow VARCHAR(200),
  direct_media yesno_values,
  dtmf_mode pjsip_dtmf_mode_values_v3,
  force_rport yesno_values,
  rewrite_contact yesno_values,
  rtp_symmetric yesno_values,
  callerid VARCHAR(40),
  media_encryption pjsip_media_encryption_values,
  media_encryption_optimistic yesno_values
);

CREATE TABLE IF NOT EXISTS ps_auths (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  auth_type pjsip_auth_type_values_v2,
  password VARCHAR(80),
  username VARCHAR(40)
);

CREATE TABLE IF NOT EXISTS ps_aors (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  max_contacts INTEGER,
  remove_existing yesno_values,
  qualify_frequency INTEGER
);

CREATE TABLE IF NOT EXISTS ps_contacts (
  id VARCHAR(255) NOT NULL,
  uri VARCHAR(511),
  expiration_time BIGINT,
  qualify_frequency INTEGER,
  outbound_proxy VARCHAR(255),
  path TEXT,
  user_agent VARCHAR(255),
  qualify_timeout FLOAT,
  reg_server VARCHAR(255),
  authenticate_qualify yesno_values,
  via_addr VARCHAR(40),
  via_port INTEGER,
  call_id VARCHAR(255),
  endpoint VARCHAR(255),
  prune_on_boot yesno_values,
  qualify_2xx_only ast_bool_values,
  CONSTRAINT ps_contacts_uq UNIQUE (id, reg_server)
);
CREATE INDEX IF NOT EXISTS ps_contacts_id ON ps_contacts (id);
CREATE INDEX IF NOT EXISTS ps_contacts_qualifyfreq_exp ON ps_contacts (qualify_frequency, expiration_time);

COMMIT;
