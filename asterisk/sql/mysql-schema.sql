-- PJSIP realtime tables for aicc's agents (MySQL 8 / MariaDB 10.5+), the
-- subset of Asterisk's alembic schema (contrib/ast-db-manage/config) that aicc
-- uses: ps_endpoints, ps_auths, ps_aors, ps_contacts. Column names and types
-- follow the alembic migrations; ps_contacts is complete because Asterisk
-- writes every contact field on REGISTER. Safe to run twice.
--
--   mysql asterisk < asterisk/sql/mysql-schema.sql
--   aicc asterisk-config --out DIR --seed-sql mysql   # then: mysql asterisk < DIR/seed-mysql.sql

CREATE TABLE IF NOT EXISTS ps_endpoints (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  transport VARCHAR(40),
  aors VARCHAR(2048),
  auth VARCHAR(255),
  context VARCHAR(40),
  disallow VARCHAR(200),
  allow VARCHAR(200),
  direct_media ENUM('yes', 'no'),
  dtmf_mode ENUM('rfc4733', 'inband', 'info', 'auto', 'auto_info'),
  force_rport ENUM('yes', 'no'),
  rewrite_contact ENUM('yes', 'no'),
  rtp_symmetric ENUM('yes', 'no'),
  callerid VARCHAR(40),
  media_encryption ENUM('no', 'sdes', 'dtls'),
  media_encryption_optimistic ENUM('yes', 'no')
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS ps_auths (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  auth_type ENUM('md5', 'userpass', 'google_oauth'),
  password VARCHAR(80),
  username VARCHAR(40)
) DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS ps_aors (
  id VARCHAR(255) NOT NULL PRIMARY KEY,
  max_contacts INTEGER,
  remove_existing ENUM('yes', 'no'),
  qualify_frequency INTEGER
) DEFAULT CHARSET = utf8mb4;

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
  authenticate_qualify ENUM('yes', 'no'),
  via_addr VARCHAR(40),
  via_port INTEGER,
  call_id VARCHAR(255),
  endpoint VARCHAR(255),
  prune_on_boot ENUM('yes', 'no'),
  qualify_2xx_only ENUM('0', '1', 'off', 'on', 'false', 'true', 'no', 'yes'),
  UNIQUE KEY ps_contacts_uq (id, reg_server),
  KEY ps_contacts_id (id),
  KEY ps_contacts_qualifyfreq_exp (qualify_frequency, expiration_time)
) DEFAULT CHARSET = utf8mb4;
