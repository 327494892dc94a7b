
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

CREATE TABLE public.assessment (
    id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    instrument_id character varying(60) NOT NULL,
    instrument_version integer NOT NULL,
    kind character varying(20) NOT NULL,
    answers jsonb NOT NULL,
    score integer NOT NULL,
    band character varying(40) NOT NULL,
    level character varying(10) NOT NULL,
    unknown_items integer NOT NULL,
    assessed_by character varying(100) NOT NULL,
    assessed_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.attendance_fact (
    enrolment_id uuid NOT NULL,
    session_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    session_number integer NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    status character varying(20) NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    session_kind character varying(20) DEFAULT 'group'::character varying NOT NULL
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

CREATE TABLE public.enrolment_view (
    enrolment_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    cohort_id uuid NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    inspector_id character varying(100) NOT NULL,
    psychologist_id character varying(100) NOT NULL,
    status character varying(20) NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    enrolled_at timestamp with time zone,
    victim_support_worker_id character varying(100),
    alert_unexcused_absences integer,
    alert_consecutive_absences integer
);

CREATE TABLE public.flag (
    id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL,
    rule_id character varying(100) NOT NULL,
    rule_version integer NOT NULL,
    level character varying(10) NOT NULL,
    fact_key character varying(200) NOT NULL,
    reasons text[] NOT NULL,
    evidence jsonb NOT NULL,
    status character varying(20) NOT NULL,
    raised_at timestamp with time zone DEFAULT now() NOT NULL,
    fact_ids character varying(200)[] DEFAULT '{}'::character varying[] NOT NULL,
    rule_set_version integer,
    acknowledged_by character varying(100),
    acknowledged_at timestamp with time zone,
    resolved_by character varying(100),
    resolved_at timestamp with time zone,
    resolution text,
    episode_id uuid,
    source character varying(20)
);

CREATE TABLE public.flag_acknowledgement (
    flag_id uuid NOT NULL,
    user_id character varying(100) NOT NULL,
    acknowledged_at timestamp with time zone NOT NULL,
    via character varying(20) NOT NULL
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

CREATE TABLE public.incident (
    id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    participant_code character varying(20) NOT NULL,
    kind character varying(40) NOT NULL,
    occurred_on date NOT NULL,
    severity character varying(20) NOT NULL,
    source character varying(20) NOT NULL,
    details_sealed bytea,
    reported_by character varying(100) NOT NULL,
    reported_at timestamp with time zone DEFAULT now() NOT NULL,
    region character varying(100) NOT NULL,
    district character varying(100) NOT NULL
);

CREATE TABLE public.instrument (
    id character varying(60) NOT NULL,
    version integer NOT NULL,
    region character varying(100),
    definition jsonb NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.level_change (
    id bigint NOT NULL,
    enrolment_id uuid NOT NULL,
    from_level character varying(10) NOT NULL,
    level character varying(10) NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    cause text NOT NULL,
    flag_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL
);

ALTER TABLE public.level_change ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.level_change_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
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

CREATE TABLE public.recompute (
    id uuid NOT NULL,
    rule_set_version integer NOT NULL,
    reason character varying(40) NOT NULL,
    requested_by character varying(100) NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    status character varying(20) DEFAULT 'pending'::character varying NOT NULL,
    started_at timestamp with time zone,
    updated_at timestamp with time zone,
    finished_at timestamp with time zone,
    evaluated integer DEFAULT 0 NOT NULL,
    resume_after uuid,
    flags_raised integer DEFAULT 0 NOT NULL,
    levels_changed integer DEFAULT 0 NOT NULL,
    error text
);

CREATE TABLE public.risk_level (
    enrolment_id uuid NOT NULL,
    level character varying(10) NOT NULL,
    since timestamp with time zone NOT NULL,
    version integer DEFAULT 1 NOT NULL
);

CREATE TABLE public.rule_set (
    version integer NOT NULL,
    rules jsonb NOT NULL,
    note text NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.signal (
    event_id uuid NOT NULL,
    kind character varying(60) NOT NULL,
    enrolment_ids uuid[] NOT NULL,
    participant_code character varying(20) NOT NULL,
    facts jsonb NOT NULL,
    occurred_at timestamp with time zone NOT NULL
);

INSERT INTO public.alembic_version VALUES ('0007');

INSERT INTO public.instrument VALUES ('qadam-intake', 1, NULL, '{"id": "qadam-intake", "name": "Qadam intake risk screen", "note": "Written for Qadam from the published categories of risk factors; not the text of any copyrighted instrument. Decision support, not a prediction.", "bands": [{"name": "low", "level": "low", "min_score": 0}, {"name": "medium", "level": "medium", "min_score": 2}, {"name": "high", "level": "high", "min_score": 4}, {"name": "very high", "level": "critical", "min_score": 7}], "items": [{"id": "prior_domestic_violence", "text": {"en": "Records show violence against a partner or family member before the incident behind this order.", "ru": "По учётам было насилие в отношении партнёрши или члена семьи до случая, по которому выдан ордер.", "uz-Latn": "Hisobotlarga koʻra, ushbu order berilgan voqeagacha ham turmush oʻrtogʻi yoki oila aʼzosiga nisbatan zoʻravonlik boʻlgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "prior_other_violence", "text": {"en": "Records show violence against someone outside the family.", "ru": "По учётам было насилие в отношении людей вне семьи.", "uz-Latn": "Hisobotlarga koʻra, oiladan tashqaridagi odamlarga nisbatan zoʻravonlik boʻlgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "prior_custody", "text": {"en": "He has been held in custody or imprisoned before (arrest, detention or a sentence).", "ru": "Ранее он содержался под стражей или отбывал наказание (арест, задержание, срок).", "uz-Latn": "U ilgari qamoqda yoki hibsda boʻlgan (qamoq, ushlab turish yoki jazo muddati)."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "prior_breach", "text": {"en": "He has broken a protection order, bail or other conditions before.", "ru": "Ранее он нарушал охранный ордер, залог или другие условия.", "uz-Latn": "U ilgari himoya orderi, garov yoki boshqa shartlarni buzgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "threat_at_incident", "text": {"en": "At the incident behind this order he threatened to harm or kill someone.", "ru": "Во время случая, по которому выдан ордер, он угрожал причинить вред или убить.", "uz-Latn": "Order berilgan voqeada u kimgadir zarar yetkazish yoki oʻldirish bilan tahdid qilgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "index incident"}, {"id": "confinement_at_incident", "text": {"en": "At that incident he held her against her will or stopped her from leaving.", "ru": "Во время этого случая он удерживал её против воли или не давал уйти.", "uz-Latn": "Oʻsha voqeada u ayolni irodasiga qarshi ushlab turgan yoki ketishiga yoʻl qoʻymagan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "index incident"}, {"id": "victim_fear", "text": {"en": "She says she is afraid he will hurt her again.", "ru": "Она говорит, что боится, что он снова причинит ей вред.", "uz-Latn": "Ayol u yana zarar yetkazishidan qoʻrqishini aytadi."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "her account"}, {"id": "children_in_home", "text": {"en": "Children live in the household (hers, his or theirs).", "ru": "В семье живут дети (её, его или общие).", "uz-Latn": "Xonadonda bolalar yashaydi (ayolning, erkakning yoki umumiy)."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "household"}, {"id": "her_child_from_before", "text": {"en": "She has a child from an earlier relationship.", "ru": "У неё есть ребёнок от прежних отношений.", "uz-Latn": "Ayolning oldingi munosabatlardan farzandi bor."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "household"}, {"id": "violence_to_others_in_home", "text": {"en": "He has been violent to children or other people in the household.", "ru": "Он применял насилие к детям или другим членам семьи.", "uz-Latn": "U bolalarga yoki xonadondagi boshqa odamlarga nisbatan zoʻravonlik qilgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "substance_misuse", "text": {"en": "He misuses alcohol or drugs, or was intoxicated at the incident.", "ru": "Он злоупотребляет алкоголем или наркотиками, или был в состоянии опьянения во время случая.", "uz-Latn": "U spirtli ichimlik yoki giyohvand moddalarni suisteʼmol qiladi yoki voqea paytida mast boʻlgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "dynamic"}, {"id": "assault_in_pregnancy", "text": {"en": "He has assaulted her while she was pregnant.", "ru": "Он нападал на неё во время беременности.", "uz-Latn": "U ayolga homiladorlik paytida hujum qilgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "history"}, {"id": "barriers_to_support", "text": {"en": "She has barriers to getting help: no phone or transport, lives far away, depends on him for money, or is cut off from family.", "ru": "Ей трудно получить помощь: нет телефона или транспорта, живёт далеко, зависит от него материально или отрезана от родных.", "uz-Latn": "Ayolning yordam olishi qiyin: telefoni yoki transporti yoʻq, uzoqda yashaydi, moddiy jihatdan unga qaram yoki oilasidan ajratilgan."}, "answers": [{"value": "yes", "weight": 1}, {"value": "no", "weight": 0}], "category": "her situation"}], "max_unknown": 4}', 'qadam', '2026-12-05 18:34:38.131278+00');

INSERT INTO public.recompute VALUES ('f646448a-3886-4fbd-879c-b65492997204', 2, 'rules_changed', 'qadam', '2026-12-05 18:34:38.131278+00', 'pending', NULL, NULL, NULL, 0, NULL, 0, 0, NULL);

INSERT INTO public.rule_set VALUES (1, '[{"id": "consecutive_absences", "kind": "consecutive_absences", "level": "high", "params": {"threshold": 2, "session_kinds": ["group", "individual", "makeup"]}, "version": 1, "description": "Unexcused absences in a row: he may be dropping out, and missed sessions are a warning sign of renewed risk to his partner."}, {"id": "absence_rate", "kind": "absence_rate", "level": "medium", "params": {"rate": 0.5, "window": 6, "min_sessions": 4, "session_kinds": ["group", "individual", "makeup"]}, "version": 1, "description": "He misses many of the sessions he has to attend, even if not in a row."}, {"id": "sign.new_violence", "kind": "warning_sign", "level": "critical", "params": {"signs": ["new_violence_disclosed"]}, "version": 1, "description": "New violence disclosed during the programme: a red sign; the inspector acts at once."}, {"id": "sign.threat_to_kill", "kind": "warning_sign", "level": "critical", "params": {"signs": ["threat_to_kill"]}, "version": 1, "description": "A threat to kill is one of the strongest warning signs of lethal violence."}, {"id": "sign.strangulation", "kind": "warning_sign", "level": "critical", "params": {"signs": ["strangulation"]}, "version": 1, "description": "Strangulation greatly raises the risk of lethal violence."}, {"id": "sign.contact_with_victim", "kind": "warning_sign", "level": "critical", "params": {"signs": ["contact_against_order", "stalking_victim"]}, "version": 1, "description": "Contact with or following the victim against the protection order: a red sign and possibly a breach."}, {"id": "sign.threat_to_partner", "kind": "warning_sign", "level": "high", "params": {"signs": ["threat_to_partner"]}, "version": 1, "description": "Threats against his partner: a red sign."}, {"id": "sign.weapon_access", "kind": "warning_sign", "level": "high", "params": {"signs": ["weapon_access"]}, "version": 1, "description": "Access to a weapon makes any violence more dangerous: a red sign; the order can restrict weapons."}, {"id": "sign.intoxicated", "kind": "warning_sign", "level": "medium", "params": {"signs": ["intoxicated_at_session"], "repeat_days": 28}, "version": 1, "description": "Coming to a session intoxicated: substance use is an amber sign."}, {"id": "sign.amber", "kind": "warning_sign", "level": "medium", "params": {"signs": ["separation", "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt", "child_contact_conflict", "suicidal_talk", "escalation", "controlling_behaviour"], "repeat_days": 28}, "version": 1, "description": "An amber sign: a change in his life or behaviour that raises risk; several together make red."}, {"id": "sign.attitude", "kind": "warning_sign", "level": "low", "params": {"signs": ["denial_or_minimisation", "blaming_the_victim"], "repeat_days": 28}, "version": 1, "description": "Denying, minimising or blaming the victim: work for the group sessions, worth watching."}, {"id": "incident.order_breach", "kind": "incident", "level": "critical", "params": {"kinds": ["order_breach"]}, "version": 1, "description": "A breach of the protection order is the strongest warning sign the system can see."}, {"id": "incident.contact_or_stalking", "kind": "incident", "level": "critical", "params": {"kinds": ["contact_with_victim", "stalking"]}, "version": 1, "description": "Contact with or stalking of the victim: a red sign."}, {"id": "incident.new_violence", "kind": "incident", "level": "high", "params": {"kinds": ["new_complaint", "police_callout", "arrest"], "severe_level": "critical"}, "version": 1, "description": "A new complaint, police call-out or arrest during the programme: a red sign; critical when severe."}, {"id": "incident.victim_fear", "kind": "incident", "level": "high", "params": {"kinds": ["victim_fear"], "severe_level": "critical"}, "version": 1, "description": "Her fear, reported by her support worker or the inspector: a red sign; critical when severe."}, {"id": "intake.band_medium", "kind": "intake_band", "level": "medium", "params": {"levels": ["medium"]}, "version": 1, "description": "The risk assessment places him in a band of medium risk."}, {"id": "intake.band_high", "kind": "intake_band", "level": "high", "params": {"levels": ["high"]}, "version": 1, "description": "The risk assessment places him in a band of high risk."}, {"id": "intake.band_very_high", "kind": "intake_band", "level": "critical", "params": {"levels": ["critical"]}, "version": 1, "description": "The risk assessment places him in a band of very high risk: consider a multi-agency meeting."}, {"id": "order.expiring", "kind": "enrollment_signal", "level": "high", "params": {"signals": ["order_expiring"]}, "version": 1, "description": "When the order ends, so does the duty to attend and the ban on contact: decide on an extension."}, {"id": "order.plan_overdue", "kind": "enrollment_signal", "level": "medium", "params": {"signals": ["plan_overdue"]}, "version": 1, "description": "The individual correction plan is due within two working days of the order."}, {"id": "programme.exit_proposed", "kind": "enrollment_signal", "level": "high", "params": {"signals": ["exit_proposed"]}, "version": 1, "description": "He has passed his programme''s absence limits; non-completers reoffend far more than completers."}, {"id": "cluster.amber", "kind": "cluster", "level": "high", "params": {"of_levels": ["medium"], "within_days": 42, "min_findings": 3}, "version": 1, "description": "Several medium signals together make red."}, {"id": "cluster.separation_control_violence", "kind": "combination", "level": "critical", "params": {"all_of": ["sign:separation", "sign:controlling_behaviour"], "any_of": ["sign:new_violence_disclosed", "sign:threat_to_partner", "sign:threat_to_kill", "sign:strangulation", "incident:*"], "within_days": 90}, "version": 1, "description": "Separation, controlling behaviour and violence together are a red cluster."}, {"id": "assessment.due", "kind": "assessment_due", "level": "low", "params": {"every_days": 28, "first_within_days": 14}, "version": 1, "description": "Risk changes during a programme: assess at intake and again at intervals."}]', 'The rules Qadam ships (DOMAIN.md: red and amber signs).', 'qadam', '2026-12-05 18:34:38.131278+00');
INSERT INTO public.rule_set VALUES (2, '[{"id": "consecutive_absences", "kind": "consecutive_absences", "level": "high", "params": {"threshold": 2, "session_kinds": ["group", "individual", "makeup"]}, "version": 1, "description": "Unexcused absences in a row: he may be dropping out, and missed sessions are a warning sign of renewed risk to his partner."}, {"id": "absence_rate", "kind": "absence_rate", "level": "medium", "params": {"rate": 0.5, "window": 6, "min_sessions": 4, "session_kinds": ["group", "individual", "makeup"]}, "version": 1, "description": "He misses many of the sessions he has to attend, even if not in a row."}, {"id": "sign.new_violence", "kind": "warning_sign", "level": "critical", "params": {"signs": ["new_violence_disclosed"]}, "version": 1, "description": "New violence disclosed during the programme: a red sign; the inspector acts at once."}, {"id": "sign.threat_to_kill", "kind": "warning_sign", "level": "critical", "params": {"signs": ["threat_to_kill"]}, "version": 1, "description": "A threat to kill is one of the strongest warning signs of lethal violence."}, {"id": "sign.strangulation", "kind": "warning_sign", "level": "critical", "params": {"signs": ["strangulation"]}, "version": 1, "description": "Strangulation greatly raises the risk of lethal violence."}, {"id": "sign.contact_with_victim", "kind": "warning_sign", "level": "critical", "params": {"signs": ["contact_against_order", "stalking_victim"]}, "version": 1, "description": "Contact with or following the victim against the protection order: a red sign and possibly a breach."}, {"id": "sign.threat_to_partner", "kind": "warning_sign", "level": "critical", "params": {"signs": ["threat_to_partner"]}, "version": 2, "description": "Threats against his partner: a red sign; the inspector acts at once."}, {"id": "sign.weapon_access", "kind": "warning_sign", "level": "critical", "params": {"signs": ["weapon_access"]}, "version": 2, "description": "Access to a weapon makes any violence more dangerous: a red sign; the order can restrict weapons."}, {"id": "sign.intoxicated", "kind": "warning_sign", "level": "medium", "params": {"signs": ["intoxicated_at_session"], "repeat_days": 28}, "version": 1, "description": "Coming to a session intoxicated: substance use is an amber sign."}, {"id": "sign.amber", "kind": "warning_sign", "level": "medium", "params": {"signs": ["separation", "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt", "child_contact_conflict", "suicidal_talk", "escalation", "controlling_behaviour"], "repeat_days": 28}, "version": 1, "description": "An amber sign: a change in his life or behaviour that raises risk; several together make red."}, {"id": "sign.attitude", "kind": "warning_sign", "level": "low", "params": {"signs": ["denial_or_minimisation", "blaming_the_victim"], "repeat_days": 28}, "version": 1, "description": "Denying, minimising or blaming the victim: work for the group sessions, worth watching."}, {"id": "incident.order_breach", "kind": "incident", "level": "critical", "params": {"kinds": ["order_breach"], "sources": ["inspector"]}, "version": 2, "description": "A breach of the protection order is the strongest warning sign the system can see."}, {"id": "incident.contact_or_stalking", "kind": "incident", "level": "critical", "params": {"kinds": ["contact_with_victim", "stalking"], "sources": ["inspector"]}, "version": 2, "description": "Contact with or stalking of the victim: a red sign."}, {"id": "incident.new_violence", "kind": "incident", "level": "critical", "params": {"kinds": ["new_complaint", "police_callout", "arrest"], "sources": ["inspector"]}, "version": 2, "description": "A new complaint, police call-out or arrest during the programme: a red sign; the inspector acts at once."}, {"id": "incident.victim_fear", "kind": "incident", "level": "critical", "params": {"kinds": ["victim_fear"], "sources": ["inspector"]}, "version": 2, "description": "Her fear, as the inspector heard of it: a red sign; the inspector acts at once."}, {"id": "intake.band_medium", "kind": "intake_band", "level": "medium", "params": {"levels": ["medium"]}, "version": 1, "description": "The risk assessment places him in a band of medium risk."}, {"id": "intake.band_high", "kind": "intake_band", "level": "high", "params": {"levels": ["high"]}, "version": 1, "description": "The risk assessment places him in a band of high risk."}, {"id": "intake.band_very_high", "kind": "intake_band", "level": "critical", "params": {"levels": ["critical"]}, "version": 1, "description": "The risk assessment places him in a band of very high risk: consider a multi-agency meeting."}, {"id": "order.expiring", "kind": "enrollment_signal", "level": "high", "params": {"signals": ["order_expiring"]}, "version": 1, "description": "When the order ends, so does the duty to attend and the ban on contact: decide on an extension."}, {"id": "order.plan_overdue", "kind": "enrollment_signal", "level": "medium", "params": {"signals": ["plan_overdue"]}, "version": 1, "description": "The individual correction plan is due within two working days of the order."}, {"id": "programme.exit_proposed", "kind": "enrollment_signal", "level": "high", "params": {"signals": ["exit_proposed"]}, "version": 1, "description": "He has passed his programme''s absence limits; non-completers reoffend far more than completers."}, {"id": "cluster.amber", "kind": "cluster", "level": "critical", "params": {"of_levels": ["medium"], "within_days": 42, "min_findings": 3}, "version": 2, "description": "Several of his amber signs together make red: the inspector acts at once (staff tasks, such as a plan, a call or an assessment overdue, are not his signs)."}, {"id": "cluster.separation_control_violence", "kind": "combination", "level": "critical", "params": {"all_of": ["sign:separation", "sign:controlling_behaviour"], "any_of": ["sign:new_violence_disclosed", "sign:threat_to_partner", "sign:threat_to_kill", "sign:strangulation", "incident:*"], "within_days": 90}, "version": 1, "description": "Separation, controlling behaviour and violence together are a red cluster."}, {"id": "assessment.due", "kind": "assessment_due", "level": "low", "params": {"every_days": 28, "first_within_days": 14}, "version": 1, "description": "Risk changes during a programme: assess at intake and again at intervals."}, {"id": "unexcused_absences", "kind": "unexcused_absences", "level": "high", "params": {"threshold": 3, "session_kinds": ["group", "individual", "makeup"]}, "version": 1, "description": "Unexcused absences in all, in a row or not, up to his programme''s limit: his inspector is alerted (the statutory programme: at the second)."}, {"id": "incident.victim_support", "kind": "incident", "level": "critical", "params": {"kinds": ["order_breach", "new_complaint", "police_callout", "arrest", "contact_with_victim", "stalking", "victim_fear"], "sources": ["victim_support"]}, "version": 1, "description": "A safety concern reported by victim support: a red sign; the inspector acts at once."}, {"id": "call.overdue", "kind": "enrollment_signal", "level": "medium", "params": {"signals": ["call_overdue"]}, "version": 1, "description": "After an unexcused absence the psychologist calls him within the set hours (statutory: 48); the call is not recorded."}, {"id": "repeat_order", "kind": "repeat_order", "level": "medium", "params": {"within_days": 365}, "version": 1, "description": "A second protection order within twelve months: an amber sign; several together make red."}]', 'Issue 16, safety first: red signs are critical (weapon access, a threat against his partner, a new complaint, police call-out or arrest, her fear); what victim support reports is its own rule, in redacted words; unexcused absences in all up to his programme''s limit; the 48-hour call overdue; a repeat order; several of his amber signs (not staff tasks) make red.', 'qadam', '2026-12-05 18:34:38.131278+00');

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);

SELECT pg_catalog.setval('public.level_change_id_seq', 1, false);

SELECT pg_catalog.setval('public.outbox_seq_seq', 1, false);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.flag_acknowledgement
    ADD CONSTRAINT flag_acknowledgement_pkey PRIMARY KEY (flag_id, user_id);

ALTER TABLE ONLY public.assessment
    ADD CONSTRAINT pk_assessment PRIMARY KEY (id);

ALTER TABLE ONLY public.attendance_fact
    ADD CONSTRAINT pk_attendance_fact PRIMARY KEY (enrolment_id, session_id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);

ALTER TABLE ONLY public.enrolment_view
    ADD CONSTRAINT pk_enrolment_view PRIMARY KEY (enrolment_id);

ALTER TABLE ONLY public.flag
    ADD CONSTRAINT pk_flag PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_record
    ADD CONSTRAINT pk_idempotency_record PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT pk_inbox PRIMARY KEY (message_id);

ALTER TABLE ONLY public.incident
    ADD CONSTRAINT pk_incident PRIMARY KEY (id);

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT pk_instrument PRIMARY KEY (id, version);

ALTER TABLE ONLY public.level_change
    ADD CONSTRAINT pk_level_change PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (id);

ALTER TABLE ONLY public.recompute
    ADD CONSTRAINT pk_recompute PRIMARY KEY (id);

ALTER TABLE ONLY public.risk_level
    ADD CONSTRAINT pk_risk_level PRIMARY KEY (enrolment_id);

ALTER TABLE ONLY public.rule_set
    ADD CONSTRAINT pk_rule_set PRIMARY KEY (version);

ALTER TABLE ONLY public.signal
    ADD CONSTRAINT pk_signal PRIMARY KEY (event_id);

ALTER TABLE ONLY public.flag
    ADD CONSTRAINT uq_flag_enrolment_rule_fact UNIQUE (enrolment_id, rule_id, fact_key);

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_seq UNIQUE (seq);

CREATE INDEX ix_assessment_enrolment_id ON public.assessment USING btree (enrolment_id);

CREATE INDEX ix_audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX ix_audit_log_user_id ON public.audit_log USING btree (user_id, at);

CREATE INDEX ix_flag_enrolment_id ON public.flag USING btree (enrolment_id);

CREATE INDEX ix_idempotency_record_created_at ON public.idempotency_record USING btree (created_at);

CREATE INDEX ix_inbox_received_at ON public.inbox USING btree (received_at);

CREATE INDEX ix_incident_enrolment_id ON public.incident USING btree (enrolment_id);

CREATE INDEX ix_instrument_region ON public.instrument USING btree (region);

CREATE INDEX ix_level_change_enrolment_id ON public.level_change USING btree (enrolment_id);

CREATE INDEX ix_outbox_unsent ON public.outbox USING btree (seq) WHERE (sent_at IS NULL);

CREATE INDEX ix_recompute_status ON public.recompute USING btree (status);

CREATE INDEX ix_signal_enrolment_ids ON public.signal USING gin (enrolment_ids);

CREATE INDEX ix_signal_kind ON public.signal USING btree (kind);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_append_only_audit_log();

CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox FOR EACH STATEMENT EXECUTE FUNCTION public.qadam_notify_outbox();

ALTER TABLE ONLY public.flag_acknowledgement
    ADD CONSTRAINT flag_acknowledgement_flag_id_fkey FOREIGN KEY (flag_id) REFERENCES public.flag(id) ON DELETE CASCADE;

