
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

CREATE FUNCTION public.qadam_append_only_audit_log() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION public.qadam_notify_outbox() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  PERFORM pg_notify('qadam_outbox', '');
  RETURN NULL;
END $$;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE public.app_user (
    id character varying(100) NOT NULL,
    display_name character varying(200) NOT NULL,
    role character varying(30) NOT NULL,
    region character varying(100),
    district character varying(100),
    mahalla character varying(100),
    email character varying(320),
    phone character varying(20),
    telegram_chat_id character varying(40),
    language character varying(10) NOT NULL,
    supervisor_id character varying(100),
    quiet_start time without time zone,
    quiet_end time without time zone,
    active boolean NOT NULL,
    password_hash character varying(200) NOT NULL,
    must_change_password boolean NOT NULL,
    password_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    totp_secret bytea,
    totp_enabled_at timestamp with time zone,
    totp_last_step bigint,
    failed_attempts integer NOT NULL,
    locked_until timestamp with time zone,
    version integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON COLUMN public.app_user.totp_secret IS 'sealed (qadam.sealing)';

COMMENT ON COLUMN public.app_user.totp_last_step IS 'a code is accepted once';

COMMENT ON COLUMN public.app_user.version IS 'raised by every change; carried by portal.user.changed';

CREATE TABLE public.area (
    id integer NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100),
    mahalla character varying(100),
    version integer DEFAULT 1 NOT NULL
);

COMMENT ON COLUMN public.area.version IS 'raised by every change of a district; carried by portal.area.changed';

ALTER TABLE public.area ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.area_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    user_id character varying(100) NOT NULL,
    role character varying(30) NOT NULL,
    action character varying(5) NOT NULL,
    method character varying(10) NOT NULL,
    route character varying(300) NOT NULL,
    record jsonb NOT NULL,
    status integer NOT NULL,
    address character varying(64),
    reason character varying(500),
    correlation_id character varying(200),
    prev_hash character varying(64) NOT NULL,
    hash character varying(64) NOT NULL,
    CONSTRAINT ck_audit_log_action CHECK (((action)::text = ANY ((ARRAY['read'::character varying, 'write'::character varying])::text[])))
);

COMMENT ON COLUMN public.audit_log.action IS 'read (GET, HEAD) or write';

COMMENT ON COLUMN public.audit_log.route IS 'the URL rule, never the path or query string';

COMMENT ON COLUMN public.audit_log.record IS 'the ids named in the path';

COMMENT ON COLUMN public.audit_log.reason IS 'X-Audit-Reason, when given';

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.idempotency_record (
    user_id character varying(100) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status integer,
    response jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON COLUMN public.idempotency_record.request_hash IS 'sha256 of method, path and body';

COMMENT ON COLUMN public.idempotency_record.status IS 'the first answer''s status; NULL until it is stored';

CREATE TABLE public.inbox (
    message_id uuid NOT NULL,
    type character varying(200) NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.login_session (
    id uuid NOT NULL,
    secret_hash character varying(64) NOT NULL,
    user_id character varying(100) NOT NULL,
    stage character varying(20) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    ended_at timestamp with time zone,
    ended_why character varying(40),
    address character varying(64),
    user_agent character varying(300)
);

COMMENT ON COLUMN public.login_session.stage IS 'password (a second factor still due) or full';

CREATE TABLE public.outbox (
    id uuid NOT NULL,
    seq bigint NOT NULL,
    exchange character varying(100) NOT NULL,
    routing_key character varying(200) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text
);

COMMENT ON COLUMN public.outbox.id IS 'the event id, also the AMQP message_id';

ALTER TABLE public.outbox ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.sign_in_attempt (
    id bigint NOT NULL,
    user_id character varying(100) NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    outcome character varying(30) NOT NULL,
    address character varying(64)
);

ALTER TABLE public.sign_in_attempt ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sign_in_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

INSERT INTO public.alembic_version VALUES ('0003');

INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (1, 'Qoraqalpogʻiston Respublikasi', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (2, 'Andijon viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (3, 'Buxoro viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (4, 'Fargʻona viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (5, 'Jizzax viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (6, 'Xorazm viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (7, 'Namangan viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (8, 'Navoiy viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (9, 'Qashqadaryo viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (10, 'Samarqand viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (11, 'Sirdaryo viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (12, 'Surxondaryo viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (13, 'Toshkent viloyati', NULL, NULL, 1);
INSERT INTO public.area OVERRIDING SYSTEM VALUE VALUES (14, 'Toshkent shahri', NULL, NULL, 1);

SELECT pg_catalog.setval('public.area_id_seq', 14, true);

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);

SELECT pg_catalog.setval('public.outbox_seq_seq', 1, false);

SELECT pg_catalog.setval('public.sign_in_attempt_id_seq', 1, false);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.app_user
    ADD CONSTRAINT pk_app_user PRIMARY KEY (id);

ALTER TABLE ONLY public.area
    ADD CONSTRAINT pk_area PRIMARY KEY (id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_record
    ADD CONSTRAINT pk_idempotency_record PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT pk_inbox PRIMARY KEY (message_id);

ALTER TABLE ONLY public.login_session
    ADD CONSTRAINT pk_login_session PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (id);

ALTER TABLE ONLY public.sign_in_attempt
    ADD CONSTRAINT pk_sign_in_attempt PRIMARY KEY (id);

ALTER TABLE ONLY public.area
    ADD CONSTRAINT uq_area_place UNIQUE NULLS NOT DISTINCT (region, district, mahalla);

ALTER TABLE ONLY public.login_session
    ADD CONSTRAINT uq_login_session_secret_hash UNIQUE (secret_hash);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_seq UNIQUE (seq);

CREATE INDEX ix_audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX ix_audit_log_user_id ON public.audit_log USING btree (user_id, at);

CREATE INDEX ix_idempotency_record_created_at ON public.idempotency_record USING btree (created_at);

CREATE INDEX ix_inbox_received_at ON public.inbox USING btree (received_at);

CREATE INDEX ix_login_session_user_id ON public.login_session USING btree (user_id);

CREATE INDEX ix_outbox_unsent ON public.outbox USING btree (seq) WHERE (sent_at IS NULL);

CREATE INDEX ix_sign_in_attempt_user_id ON public.sign_in_attempt USING btree (user_id);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_notify_outbox();

ALTER TABLE ONLY public.login_session
    ADD CONSTRAINT fk_login_session_user_id_app_user FOREIGN KEY (user_id) REFERENCES public.app_user(id);

