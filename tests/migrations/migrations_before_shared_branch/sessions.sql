
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

CREATE TABLE public.absence_call (
    id uuid NOT NULL,
    mark_id uuid NOT NULL,
    session_id uuid NOT NULL,
    cohort_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    session_number integer NOT NULL,
    session_at timestamp with time zone NOT NULL,
    absence_on date NOT NULL,
    due_at timestamp with time zone NOT NULL,
    psychologist_id character varying(100) NOT NULL,
    status character varying(20) NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    outcome character varying(20),
    called_at timestamp with time zone,
    called_by character varying(100),
    closed_at timestamp with time zone,
    overdue_published_at timestamp with time zone
);

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE public.attendance_amendment (
    id uuid NOT NULL,
    mark_id uuid NOT NULL,
    old_status character varying(20) NOT NULL,
    old_excuse_reason character varying(500),
    old_recorded_by character varying(100) NOT NULL,
    old_recorded_at timestamp with time zone NOT NULL,
    new_status character varying(20) NOT NULL,
    new_excuse_reason character varying(500),
    reason character varying(1000) NOT NULL,
    amended_by character varying(100) NOT NULL,
    amended_at timestamp with time zone NOT NULL
);

CREATE TABLE public.attendance_mark (
    id uuid NOT NULL,
    session_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    status character varying(20) NOT NULL,
    excuse_reason character varying(500),
    recorded_by character varying(100) NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    participation smallint,
    homework_done boolean,
    warning_signs character varying(40)[] DEFAULT '{}'::character varying[] NOT NULL
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

CREATE TABLE public.cohort_view (
    cohort_id uuid NOT NULL,
    programme_id uuid NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    facilitator_ids character varying(100)[] NOT NULL,
    sessions_required integer NOT NULL,
    status character varying(20) DEFAULT 'forming'::character varying NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    start_date date,
    curriculum jsonb DEFAULT '[]'::jsonb NOT NULL,
    schedule jsonb DEFAULT '{}'::jsonb NOT NULL,
    absence_call_hours integer
);

CREATE TABLE public.group_session (
    id uuid NOT NULL,
    cohort_id uuid NOT NULL,
    number integer NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    topic character varying(300),
    place character varying(300),
    status character varying(20) NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    change_reason character varying(500),
    module_delivered character varying(300),
    co_facilitators character varying(100)[] DEFAULT '{}'::character varying[] NOT NULL,
    deviations character varying(2000),
    kind character varying(20) DEFAULT 'group'::character varying NOT NULL,
    enrolment_id uuid
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

CREATE TABLE public.roster_entry (
    enrolment_id uuid NOT NULL,
    cohort_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    status character varying(20) NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    inspector_id character varying(100)
);

CREATE TABLE public.session_note (
    id uuid NOT NULL,
    session_id uuid NOT NULL,
    enrolment_id uuid,
    sealed bytea NOT NULL,
    written_by character varying(100) NOT NULL,
    written_at timestamp with time zone NOT NULL
);

INSERT INTO public.alembic_version VALUES ('0012');

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);

SELECT pg_catalog.setval('public.outbox_seq_seq', 1, false);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.absence_call
    ADD CONSTRAINT pk_absence_call PRIMARY KEY (id);

ALTER TABLE ONLY public.attendance_amendment
    ADD CONSTRAINT pk_attendance_amendment PRIMARY KEY (id);

ALTER TABLE ONLY public.attendance_mark
    ADD CONSTRAINT pk_attendance_mark PRIMARY KEY (id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);

ALTER TABLE ONLY public.cohort_view
    ADD CONSTRAINT pk_cohort_view PRIMARY KEY (cohort_id);

ALTER TABLE ONLY public.group_session
    ADD CONSTRAINT pk_group_session PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_record
    ADD CONSTRAINT pk_idempotency_record PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT pk_inbox PRIMARY KEY (message_id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (id);

ALTER TABLE ONLY public.roster_entry
    ADD CONSTRAINT pk_roster_entry PRIMARY KEY (enrolment_id);

ALTER TABLE ONLY public.session_note
    ADD CONSTRAINT pk_session_note PRIMARY KEY (id);

ALTER TABLE ONLY public.attendance_mark
    ADD CONSTRAINT uq_attendance_mark_session_enrolment UNIQUE (session_id, enrolment_id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_seq UNIQUE (seq);

CREATE INDEX ix_absence_call_cohort_id ON public.absence_call USING btree (cohort_id);

CREATE INDEX ix_absence_call_enrolment_id ON public.absence_call USING btree (enrolment_id);

CREATE INDEX ix_absence_call_mark_id ON public.absence_call USING btree (mark_id);

CREATE INDEX ix_absence_call_overdue_scan ON public.absence_call USING btree (due_at) WHERE (((status)::text = 'open'::text) AND (overdue_published_at IS NULL));

CREATE INDEX ix_attendance_amendment_mark_id ON public.attendance_amendment USING btree (mark_id);

CREATE INDEX ix_attendance_mark_enrolment_id ON public.attendance_mark USING btree (enrolment_id);

CREATE INDEX ix_attendance_mark_session_id ON public.attendance_mark USING btree (session_id);

CREATE INDEX ix_audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX ix_audit_log_user_id ON public.audit_log USING btree (user_id, at);

CREATE INDEX ix_group_session_cohort_id ON public.group_session USING btree (cohort_id);

CREATE INDEX ix_group_session_enrolment_id ON public.group_session USING btree (enrolment_id);

CREATE INDEX ix_idempotency_record_created_at ON public.idempotency_record USING btree (created_at);

CREATE INDEX ix_inbox_received_at ON public.inbox USING btree (received_at);

CREATE INDEX ix_outbox_unsent ON public.outbox USING btree (seq) WHERE (sent_at IS NULL);

CREATE INDEX ix_roster_entry_cohort_id ON public.roster_entry USING btree (cohort_id);

CREATE INDEX ix_roster_entry_inspector_id ON public.roster_entry USING btree (inspector_id);

CREATE INDEX ix_session_note_enrolment_id ON public.session_note USING btree (enrolment_id);

CREATE INDEX ix_session_note_session_id ON public.session_note USING btree (session_id);

CREATE UNIQUE INDEX uq_absence_call_open_mark ON public.absence_call USING btree (mark_id) WHERE ((status)::text = 'open'::text);

CREATE UNIQUE INDEX uq_group_session_cohort_number ON public.group_session USING btree (cohort_id, number) WHERE (((kind)::text = 'group'::text) AND ((status)::text <> 'cancelled'::text));

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_notify_outbox();

ALTER TABLE ONLY public.absence_call
    ADD CONSTRAINT fk_absence_call_mark_id_attendance_mark FOREIGN KEY (mark_id) REFERENCES public.attendance_mark(id);

ALTER TABLE ONLY public.absence_call
    ADD CONSTRAINT fk_absence_call_session_id_group_session FOREIGN KEY (session_id) REFERENCES public.group_session(id);

ALTER TABLE ONLY public.attendance_amendment
    ADD CONSTRAINT fk_attendance_amendment_mark_id_attendance_mark FOREIGN KEY (mark_id) REFERENCES public.attendance_mark(id);

ALTER TABLE ONLY public.attendance_mark
    ADD CONSTRAINT fk_attendance_mark_session_id_group_session FOREIGN KEY (session_id) REFERENCES public.group_session(id);

ALTER TABLE ONLY public.session_note
    ADD CONSTRAINT fk_session_note_session_id_group_session FOREIGN KEY (session_id) REFERENCES public.group_session(id);

