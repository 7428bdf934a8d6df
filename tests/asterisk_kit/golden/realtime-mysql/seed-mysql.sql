-- Seed of aicc's agents for PJSIP realtime (MySQL / MariaDB), rendered by
-- `aicc asterisk-config --seed-sql mysql` from asterisk/templates/seed-mysql.sql.
-- Holds SIP passwords: mode 0600, delete it after loading. Load after
-- asterisk/sql/mysql-schema.sql; safe to run twice (upserts).
START TRANSACTION;

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent01', 1, 'yes', 60)
ON DUPLICATE KEY UPDATE max_contacts = VALUES(max_contacts),
  remove_existing = VALUES(remove_existing), qualify_frequency = VALUES(qualify_frequency);

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent01', 'userpass', 'agent01', 'Agent01Secret;x&<y>')
ON DUPLICATE KEY UPDATE auth_type = VALUES(auth_type), username = VALUES(username),
  password = VALUES(password);

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent01', 'transport-udp', 'agent01', 'agent01', 'aicc-agents', 'all', 'g722,alaw,ulaw,gsm',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent01" <agent01>', 'sdes', 'yes')
ON DUPLICATE KEY UPDATE transport = VALUES(transport), aors = VALUES(aors), auth = VALUES(auth),
  context = VALUES(context), disallow = VALUES(disallow), allow = VALUES(allow),
  direct_media = VALUES(direct_media), dtmf_mode = VALUES(dtmf_mode),
  force_rport = VALUES(force_rport), rewrite_contact = VALUES(rewrite_contact),
  rtp_symmetric = VALUES(rtp_symmetric), callerid = VALUES(callerid),
  media_encryption = VALUES(media_encryption),
  media_encryption_optimistic = VALUES(media_encryption_optimistic);

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent02', 1, 'yes', 60)
ON DUPLICATE KEY UPDATE max_contacts = VALUES(max_contacts),
  remove_existing = VALUES(remove_existing), qualify_frequency = VALUES(qualify_frequency);

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent02', 'userpass', 'agent02', 'Agent02Secret''q\\z')
ON DUPLICATE KEY UPDATE auth_type = VALUES(auth_type), username = VALUES(username),
  password = VALUES(password);

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent02', 'transport-udp', 'agent02', 'agent02', 'aicc-agents', 'all', 'g722,alaw,ulaw,gsm',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent02" <agent02>', 'sdes', 'yes')
ON DUPLICATE KEY UPDATE transport = VALUES(transport), aors = VALUES(aors), auth = VALUES(auth),
  context = VALUES(context), disallow = VALUES(disallow), allow = VALUES(allow),
  direct_media = VALUES(direct_media), dtmf_mode = VALUES(dtmf_mode),
  force_rport = VALUES(force_rport), rewrite_contact = VALUES(rewrite_contact),
  rtp_symmetric = VALUES(rtp_symmetric), callerid = VALUES(callerid),
  media_encryption = VALUES(media_encryption),
  media_encryption_optimistic = VALUES(media_encryption_optimistic);

INSERT INTO ps_aors (id, max_contacts, remove_existing, qualify_frequency)
VALUES ('agent03', 1, 'yes', 60)
ON DUPLICATE KEY UPDATE max_contacts = VALUES(max_contacts),
  remove_existing = VALUES(remove_existing), qualify_frequency = VALUES(qualify_frequency);

INSERT INTO ps_auths (id, auth_type, username, password)
VALUES ('agent03', 'userpass', 'agent03', 'Agent03Secret')
ON DUPLICATE KEY UPDATE auth_type = VALUES(auth_type), username = VALUES(username),
  password = VALUES(password);

INSERT INTO ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media,
  dtmf_mode, force_rport, rewrite_contact, rtp_symmetric, callerid, media_encryption,
  media_encryption_optimistic)
VALUES ('agent03', 'transport-udp', 'agent03', 'agent03', 'aicc-agents', 'all', 'g722,alaw,ulaw,gsm',
  'no', 'rfc4733', 'yes', 'yes', 'yes', '"agent03" <agent03>', 'sdes', 'yes')
ON DUPLICATE KEY UPDATE transport = VALUES(transport), aors = VALUES(aors), auth = VALUES(auth),
  context = VALUES(context), disallow = VALUES(disallow), allow = VALUES(allow),
  direct_media = VALUES(direct_media), dtmf_mode = VALUES(dtmf_mode),
  force_rport = VALUES(force_rport), rewrite_contact = VALUES(rewrite_contact),
  rtp_symmetric = VALUES(rtp_symmetric), callerid = VALUES(callerid),
  media_encryption = VALUES(media_encryption),
  media_encryption_optimistic = VALUES(media_encryption_optimistic);

COMMIT;
