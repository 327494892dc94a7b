
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

CREATE TABLE public.attendance_record (
    enrolment_id uuid NOT NULL,
    session_id uuid NOT NULL,
    session_number integer NOT NULL,
    session_kind character varying(20) DEFAULT 'group'::character varying NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    status character varying(20) NOT NULL,
    recorded_at timestamp with time zone NOT NULL
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

CREATE TABLE public.cohort (
    id uuid NOT NULL,
    programme_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    mahalla character varying(100),
    facilitator_ids character varying(100)[] NOT NULL,
    start_date date NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    capacity integer DEFAULT 12 NOT NULL,
    schedule jsonb DEFAULT '{}'::jsonb NOT NULL,
    status character varying(20) DEFAULT 'forming'::character varying NOT NULL,
    version integer DEFAULT 1 NOT NULL
);

CREATE TABLE public.enrolment (
    id uuid NOT NULL,
    participant_id uuid NOT NULL,
    cohort_id uuid NOT NULL,
    inspector_id character varying(100) NOT NULL,
    psychologist_id character varying(100) NOT NULL,
    status character varying(20) NOT NULL,
    enrolled_at timestamp with time zone DEFAULT now() NOT NULL,
    created_by character varying(100) NOT NULL,
    programme_id uuid,
    protection_order_id uuid,
    referral_source character varying(30) DEFAULT 'protection_order'::character varying NOT NULL,
    victim_support_worker_id character varying(100),
    region character varying(100) DEFAULT ''::character varying NOT NULL,
    district character varying(100) DEFAULT ''::character varying NOT NULL,
    status_reason character varying(40),
    started_on date,
    finished_on date,
    follow_up_until date,
    sessions_recorded integer DEFAULT 0 NOT NULL,
    sessions_attended integer DEFAULT 0 NOT NULL,
    excused_absences integer DEFAULT 0 NOT NULL,
    unexcused_absences integer DEFAULT 0 NOT NULL,
    consecutive_absences integer DEFAULT 0 NOT NULL,
    last_session_number integer,
    last_attended_number integer,
    exit_proposed_at timestamp with time zone,
    exit_proposal jsonb,
    version integer DEFAULT 1 NOT NULL,
    exit_review_attended boolean DEFAULT false NOT NULL,
    completion_proposed_at timestamp with time zone,
    completion_proposal jsonb
);

CREATE TABLE public.enrolment_transition (
    id bigint NOT NULL,
    enrolment_id uuid NOT NULL,
    action character varying(20) NOT NULL,
    from_status character varying(20),
    to_status character varying(20) NOT NULL,
    reason character varying(40),
    note text,
    from_cohort_id uuid,
    to_cohort_id uuid,
    by character varying(100) NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.enrolment_transition ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.enrolment_transition_id_seq
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

CREATE TABLE public.known_district (
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    mahallas jsonb DEFAULT '[]'::jsonb NOT NULL,
    active boolean NOT NULL,
    version integer NOT NULL
);

CREATE TABLE public.order_extension (
    id uuid NOT NULL,
    order_id uuid NOT NULL,
    previous_expiry date NOT NULL,
    new_expiry date NOT NULL,
    decided_by character varying(200) NOT NULL,
    reason text NOT NULL,
    recorded_by character varying(100) NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
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

CREATE TABLE public.participant (
    id uuid NOT NULL,
    code character varying(20) NOT NULL,
    full_name character varying(300) NOT NULL,
    birth_date date NOT NULL,
    sex character varying(10) NOT NULL,
    pinfl character varying(14),
    phone character varying(30),
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    mahalla character varying(100),
    preferred_language character varying(10) NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    name_key character varying(300) DEFAULT ''::character varying NOT NULL,
    anonymised_at timestamp with time zone
);

CREATE SEQUENCE public.participant_number_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

CREATE TABLE public.programme (
    id uuid NOT NULL,
    name character varying(200) NOT NULL,
    sessions_required integer NOT NULL,
    max_unexcused_absences integer NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    lineage_id uuid NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    template character varying(40),
    description text,
    region character varying(100),
    curriculum jsonb DEFAULT '[]'::jsonb NOT NULL,
    sessions_per_week integer DEFAULT 1 NOT NULL,
    session_minutes integer DEFAULT 120 NOT NULL,
    completion_attendance_percent integer DEFAULT 75 NOT NULL,
    max_consecutive_absences integer DEFAULT 2 NOT NULL,
    makeup_sessions_count boolean DEFAULT true NOT NULL,
    follow_up_months integer DEFAULT 3 NOT NULL,
    review_at_session integer,
    group_size_min integer DEFAULT 8 NOT NULL,
    group_size_max integer DEFAULT 12 NOT NULL,
    facilitators_per_group integer DEFAULT 1 NOT NULL,
    retired boolean DEFAULT false NOT NULL,
    alert_unexcused_absences integer,
    alert_consecutive_absences integer,
    absence_call_hours integer DEFAULT 48,
    CONSTRAINT ck_programme_max_unexcused_absences_not_negative CHECK ((max_unexcused_absences >= 0)),
    CONSTRAINT ck_programme_sessions_required_positive CHECK ((sessions_required > 0))
);

CREATE TABLE public.protection_order (
    id uuid NOT NULL,
    number character varying(50) NOT NULL,
    participant_id uuid NOT NULL,
    issued_by character varying(100) NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    issued_on date NOT NULL,
    expires_on date NOT NULL,
    conditions jsonb DEFAULT '[]'::jsonb NOT NULL,
    status character varying(20) DEFAULT 'active'::character varying NOT NULL,
    plan_agreed_on date,
    plan_overdue_reported_at timestamp with time zone,
    expiry_reported_for date,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.risk_flag (
    flag_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    level character varying(10),
    raised_at timestamp with time zone,
    acknowledged_at timestamp with time zone,
    resolved_at timestamp with time zone
);

CREATE TABLE public.staff_member (
    user_id character varying(100) NOT NULL,
    role character varying(30) NOT NULL,
    region character varying(100),
    district character varying(100),
    active boolean NOT NULL,
    version integer NOT NULL
);

INSERT INTO public.alembic_version VALUES ('0006');

INSERT INTO public.programme VALUES ('225b25ba-f726-4b76-9fc2-98ac8ba1a0de', 'Extended group programme', 24, 2, 'qadam', '2026-12-05 18:34:35.977459+00', '225b25ba-f726-4b76-9fc2-98ac8ba1a0de', 1, 'extended_group', '24 weekly two-hour group sessions for 8-12 men with two facilitators, reviewed at session 12. Three unexcused absences in all, or two in a row, propose exit.', NULL, '[{"topic": "Welcome and group agreement", "number": 1}, {"topic": "What counts as violence", "number": 2}, {"topic": "Responsibility and excuses", "number": 3}, {"topic": "Power and control", "number": 4}, {"topic": "Jealousy and controlling behaviour", "number": 5}, {"topic": "Anger: body signals and time-out", "number": 6}, {"topic": "Stress, work and money", "number": 7}, {"topic": "Alcohol and drugs", "number": 8}, {"topic": "Respectful communication", "number": 9}, {"topic": "Listening", "number": 10}, {"topic": "Conflict without violence", "number": 11}, {"topic": "Mid-programme review", "number": 12}, {"topic": "Effects on children", "number": 13}, {"topic": "Fathering", "number": 14}, {"topic": "Women''s rights and the law", "number": 15}, {"topic": "Protection orders and what they require", "number": 16}, {"topic": "Sexual respect", "number": 17}, {"topic": "Family and in-laws", "number": 18}, {"topic": "Separation and divorce without violence", "number": 19}, {"topic": "Relapse: warning signs", "number": 20}, {"topic": "Making amends", "number": 21}, {"topic": "Safety and future plans", "number": 22}, {"topic": "Looking back", "number": 23}, {"topic": "Closing review", "number": 24}]', 1, 120, 85, 1, false, 6, 12, 8, 12, 2, false, 3, 2, 48);
INSERT INTO public.programme VALUES ('d2346199-0f68-4b62-9dbf-bc18bf28feb3', 'Statutory correction programme (Uzbekistan)', 8, 2, 'qadam', '2026-12-05 18:34:35.977459+00', 'd2346199-0f68-4b62-9dbf-bc18bf28feb3', 1, 'statutory', 'The programme written into a protection order since Resolution No. 441 (2025): an individual plan agreed with the Inson centre within two working days of the order, about a month of psychological correction. One unexcused absence: the psychologist calls within 48 hours; two: the inspector is alerted. Completion at 75% attendance or more plus an exit review.', NULL, '[{"topic": "Intake and individual plan", "number": 1}, {"topic": "Responsibility for violence", "number": 2}, {"topic": "Anger and stress: recognising the signs", "number": 3}, {"topic": "Power and control in the family", "number": 4}, {"topic": "Effects of violence on women and children", "number": 5}, {"topic": "Communication without violence", "number": 6}, {"topic": "Alcohol, drugs and violence", "number": 7}, {"topic": "Exit review and safety plan", "number": 8, "exit_review": true}]', 2, 90, 75, 2, true, 3, NULL, 1, 12, 1, false, 2, 2, 48);

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);

SELECT pg_catalog.setval('public.enrolment_transition_id_seq', 1, false);

SELECT pg_catalog.setval('public.outbox_seq_seq', 1, false);

SELECT pg_catalog.setval('public.participant_number_seq', 1, false);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.attendance_record
    ADD CONSTRAINT pk_attendance_record PRIMARY KEY (enrolment_id, session_id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);

ALTER TABLE ONLY public.cohort
    ADD CONSTRAINT pk_cohort PRIMARY KEY (id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT pk_enrolment PRIMARY KEY (id);

ALTER TABLE ONLY public.enrolment_transition
    ADD CONSTRAINT pk_enrolment_transition PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_record
    ADD CONSTRAINT pk_idempotency_record PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT pk_inbox PRIMARY KEY (message_id);

ALTER TABLE ONLY public.known_district
    ADD CONSTRAINT pk_known_district PRIMARY KEY (region, district);

ALTER TABLE ONLY public.order_extension
    ADD CONSTRAINT pk_order_extension PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (id);

ALTER TABLE ONLY public.participant
    ADD CONSTRAINT pk_participant PRIMARY KEY (id);

ALTER TABLE ONLY public.programme
    ADD CONSTRAINT pk_programme PRIMARY KEY (id);

ALTER TABLE ONLY public.protection_order
    ADD CONSTRAINT pk_protection_order PRIMARY KEY (id);

ALTER TABLE ONLY public.risk_flag
    ADD CONSTRAINT pk_risk_flag PRIMARY KEY (flag_id);

ALTER TABLE ONLY public.staff_member
    ADD CONSTRAINT pk_staff_member PRIMARY KEY (user_id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT uq_enrolment_participant_cohort UNIQUE (participant_id, cohort_id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_seq UNIQUE (seq);

ALTER TABLE ONLY public.participant
    ADD CONSTRAINT uq_participant_code UNIQUE (code);

ALTER TABLE ONLY public.participant
    ADD CONSTRAINT uq_participant_pinfl UNIQUE (pinfl);

ALTER TABLE ONLY public.programme
    ADD CONSTRAINT uq_programme_lineage_version UNIQUE (lineage_id, version);

ALTER TABLE ONLY public.programme
    ADD CONSTRAINT uq_programme_name UNIQUE (name, version);

ALTER TABLE ONLY public.protection_order
    ADD CONSTRAINT uq_protection_order_number UNIQUE (number);

CREATE INDEX ix_audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX ix_audit_log_user_id ON public.audit_log USING btree (user_id, at);

CREATE INDEX ix_cohort_district ON public.cohort USING btree (district);

CREATE INDEX ix_cohort_programme_id ON public.cohort USING btree (programme_id);

CREATE INDEX ix_cohort_region ON public.cohort USING btree (region);

CREATE INDEX ix_enrolment_cohort_id ON public.enrolment USING btree (cohort_id);

CREATE INDEX ix_enrolment_inspector_id ON public.enrolment USING btree (inspector_id);

CREATE INDEX ix_enrolment_participant_id ON public.enrolment USING btree (participant_id);

CREATE INDEX ix_enrolment_programme_id ON public.enrolment USING btree (programme_id);

CREATE INDEX ix_enrolment_protection_order_id ON public.enrolment USING btree (protection_order_id);

CREATE INDEX ix_enrolment_psychologist_id ON public.enrolment USING btree (psychologist_id);

CREATE INDEX ix_enrolment_region ON public.enrolment USING btree (region);

CREATE INDEX ix_enrolment_region_district_status ON public.enrolment USING btree (region, district, status);

CREATE INDEX ix_enrolment_transition_enrolment_id ON public.enrolment_transition USING btree (enrolment_id);

CREATE INDEX ix_idempotency_record_created_at ON public.idempotency_record USING btree (created_at);

CREATE INDEX ix_inbox_received_at ON public.inbox USING btree (received_at);

CREATE INDEX ix_order_extension_order_id ON public.order_extension USING btree (order_id);

CREATE INDEX ix_outbox_unsent ON public.outbox USING btree (seq) WHERE (sent_at IS NULL);

CREATE INDEX ix_participant_name_key_birth_date ON public.participant USING btree (name_key, birth_date);

CREATE INDEX ix_programme_lineage_id ON public.programme USING btree (lineage_id);

CREATE INDEX ix_protection_order_expires_on ON public.protection_order USING btree (expires_on);

CREATE INDEX ix_protection_order_participant_id ON public.protection_order USING btree (participant_id);

CREATE INDEX ix_risk_flag_enrolment_id ON public.risk_flag USING btree (enrolment_id);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_notify_outbox();

ALTER TABLE ONLY public.cohort
    ADD CONSTRAINT fk_cohort_programme_id_programme FOREIGN KEY (programme_id) REFERENCES public.programme(id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT fk_enrolment_cohort_id_cohort FOREIGN KEY (cohort_id) REFERENCES public.cohort(id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT fk_enrolment_participant_id_participant FOREIGN KEY (participant_id) REFERENCES public.participant(id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT fk_enrolment_programme_id_programme FOREIGN KEY (programme_id) REFERENCES public.programme(id);

ALTER TABLE ONLY public.enrolment
    ADD CONSTRAINT fk_enrolment_protection_order_id_protection_order FOREIGN KEY (protection_order_id) REFERENCES public.protection_order(id);

ALTER TABLE ONLY public.enrolment_transition
    ADD CONSTRAINT fk_enrolment_transition_enrolment_id_enrolment FOREIGN KEY (enrolment_id) REFERENCES public.enrolment(id);

ALTER TABLE ONLY public.order_extension
    ADD CONSTRAINT fk_order_extension_order_id_protection_order FOREIGN KEY (order_id) REFERENCES public.protection_order(id);

ALTER TABLE ONLY public.protection_order
    ADD CONSTRAINT fk_protection_order_participant_id_participant FOREIGN KEY (participant_id) REFERENCES public.participant(id);

