-- Seed of aicc's agents for PJSIP realtime (PostgreSQL), rendered by
-- `aicc asterisk-config --seed-sql postgres` from asterisk/templates/seed-postgres.sql.
-- Holds SIP passwords: mode 0600, delete it after loading. Load after
-- asterisk/sql/postgres-schema.sql; safe to run twice (upserts).
BEGIN;

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent01', 1, 'yes', 60)
ON CONFLICT (id) DO UPDATE SET max_contacts = EXCLUDED.max_contacts,
  remove_existing = EXCLUDED.remove_existing, qualify_frequency = EXCLUDED.qualify_frequency;

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent01', 'userpass', 'agent01', 'Agent01Secret;x&<y>')
ON CONFLICT (id) DO UPDATE SET auth_type = EXCLUDED.auth_type, username = EXCLUDED.username,
  password = EXCLUDED.password;

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent01', 'transport-udp', 'agent01', 'agent01', 'aicc-agents', 'all', 'alaw,ulaw,gsm,opus',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent01" <agent01>', 'sdes', 'yes')
ON CONFLICT (id) DO UPDATE SET transport = EXCLUDED.transport, aors = EXCLUDED.aors,
  auth = EXCLUDED.auth, context = EXCLUDED.context, disallow = EXCLUDED.disallow,
  allow = EXCLUDED.allow, direct_media = EXCLUDED.direct_media, dtmf_mode = EXCLUDED.dtmf_mode,
  force_rport = EXCLUDED.force_rport, rewrite_contact = EXCLUDED.rewrite_contact,
  rtp_symmetric = EXCLUDED.rtp_symmetric, callerid = EXCLUDED.callerid,
  media_encryption = EXCLUDED.media_encryption,
  media_encryption_optimistic = EXCLUDED.media_encryption_optimistic;

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent02', 1, 'yes', 60)
ON CONFLICT (id) DO UPDATE SET max_contacts = EXCLUDED.max_contacts,
  remove_existing = EXCLUDED.remove_existing, qualify_frequency = EXCLUDED.qualify_frequency;

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent02', 'userpass', 'agent02', 'Agent02Secret''q\z')
ON CONFLICT (id) DO UPDATE SET auth_type = EXCLUDED.auth_type, username = EXCLUDED.username,
  password = EXCLUDED.password;

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent02', 'transport-udp', 'agent02', 'agent02', 'aicc-agents', 'all', 'alaw,ulaw,gsm,opus',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent02" <agent02>', 'sdes', 'yes')
ON CONFLICT (id) DO UPDATE SET transport = EXCLUDED.transport, aors = EXCLUDED.aors,
  auth = EXCLUDED.auth, context = EXCLUDED.context, disallow = EXCLUDED.disallow,
  allow = EXCLUDED.allow, direct_media = EXCLUDED.direct_media, dtmf_mode = EXCLUDED.dtmf_mode,
  force_rport = EXCLUDED.force_rport, rewrite_contact = EXCLUDED.rewrite_contact,
  rtp_symmetric = EXCLUDED.rtp_symmetric, callerid = EXCLUDED.callerid,
  media_encryption = EXCLUDED.media_encryption,
  media_encryption_optimistic = EXCLUDED.media_encryption_optimistic;

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent03', 1, 'yes', 60)
ON CONFLICT (id) DO UPDATE SET max_contacts = EXCLUDED.max_contacts,
  remove_existing = EXCLUDED.remove_existing, qualify_frequency = EXCLUDED.qualify_frequency;

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent03', 'userpass', 'agent03', 'Agent03Secret')
ON CONFLICT (id) DO UPDATE SET auth_type = EXCLUDED.auth_type, username = EXCLUDED.username,
  password = EXCLUDED.password;

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent03', 'transport-udp', 'agent03', 'agent03', 'aicc-agents', 'all', 'alaw,ulaw,gsm,opus',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent03" <agent03>', 'sdes', 'yes')
ON CONFLICT (id) DO UPDATE SET transport = EXCLUDED.transport, aors = EXCLUDED.aors,
  auth = EXCLUDED.auth, context = EXCLUDED.context, disallow = EXCLUDED.disallow,
  allow = EXCLUDED.allow, direct_media = EXCLUDED.direct_media, dtmf_mode = EXCLUDED.dtmf_mode,
  force_rport = EXCLUDED.force_rport, rewrite_contact = EXCLUDED.rewrite_contact,
  rtp_symmetric = EXCLUDED.rtp_symmetric, callerid = EXCLUDED.callerid,
  media_encryption = EXCLUDED.media_encryption,
  media_encryption_optimistic = EXCLUDED.media_encryption_optimistic;

COMMIT;
