//! Diesel's picture of the tables in `migrations/`. Kept by hand beside the migration; every
//! integer column is `BigInt` so ids and offsets are `i64` throughout.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        scopes -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    publications (id) {
        id -> BigInt,
        name -> Text,
        base_url -> Text,
        host -> Text,
        contact_email -> Nullable<Text>,
        policy_url -> Nullable<Text>,
        created_at -> Timestamp,
        target_hours -> BigInt,
        slug -> Nullable<Text>,
    }
}

diesel::table! {
    publication_origins (id) {
        id -> BigInt,
        publication_id -> BigInt,
        origin -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        publication_id -> BigInt,
        url -> Text,
        title -> Text,
        published_at -> Nullable<Timestamp>,
        current_revision_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        corrections_version -> BigInt,
    }
}

diesel::table! {
    revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        number -> BigInt,
        title -> Text,
        canonical_text -> Text,
        sha256 -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        reference -> Text,
        status_token -> Text,
        article_id -> BigInt,
        revision_id -> BigInt,
        quote_exact -> Text,
        quote_prefix -> Text,
        quote_suffix -> Text,
        quote_start -> BigInt,
        quote_end -> BigInt,
        category -> Text,
        description -> Text,
        suggested_correction -> Nullable<Text>,
        evidence_urls -> Text,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        notify -> Bool,
        state -> Text,
        resolution -> Nullable<Text>,
        assignee_id -> Nullable<BigInt>,
        duplicate_of -> Nullable<BigInt>,
        ip_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        lang -> Text,
        mail_token -> Nullable<Text>,
        email_confirmed_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
        passage_readers -> BigInt,
        first_answered_at -> Nullable<Timestamp>,
        first_resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    correction_notes (id) {
        id -> BigInt,
        article_id -> BigInt,
        kind -> Text,
        wrong -> Nullable<Text>,
        right_text -> Nullable<Text>,
        body_markdown -> Text,
        body_html -> Text,
        placement -> Text,
        revision_id -> BigInt,
        quote_exact -> Nullable<Text>,
        quote_prefix -> Nullable<Text>,
        quote_suffix -> Nullable<Text>,
        quote_start -> Nullable<BigInt>,
        quote_end -> Nullable<BigInt>,
        author_id -> BigInt,
        version -> BigInt,
        published_at -> Timestamp,
        updated_at -> Timestamp,
        amended_at -> Nullable<Timestamp>,
        retracted_at -> Nullable<Timestamp>,
        retraction_reason -> Nullable<Text>,
    }
}

diesel::table! {
    note_versions (id) {
        id -> BigInt,
        note_id -> BigInt,
        version -> BigInt,
        kind -> Text,
        wrong -> Nullable<Text>,
        right_text -> Nullable<Text>,
        body_markdown -> Text,
        body_html -> Text,
        author_id -> BigInt,
        created_at -> Timestamp,
        placement -> Text,
        quote_exact -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    note_reports (note_id, report_id) {
        note_id -> BigInt,
        report_id -> BigInt,
    }
}

diesel::table! {
    anchors (id) {
        id -> BigInt,
        report_id -> Nullable<BigInt>,
        note_id -> Nullable<BigInt>,
        revision_id -> BigInt,
        start_offset -> Nullable<BigInt>,
        end_offset -> Nullable<BigInt>,
        status -> Text,
        method -> Text,
        score -> Double,
        now_reads -> Nullable<Text>,
        candidates -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        report_id -> Nullable<BigInt>,
        note_id -> Nullable<BigInt>,
        article_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        kind -> Text,
        from_value -> Nullable<Text>,
        to_value -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        user_id -> Nullable<BigInt>,
        token_id -> Nullable<BigInt>,
        outbox_id -> Nullable<BigInt>,
        actor_label -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        template -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        report_id -> Nullable<BigInt>,
        note_id -> Nullable<BigInt>,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        list_unsubscribe -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    password_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signin_failures (id) {
        id -> BigInt,
        key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_counts (state) {
        state -> Text,
        n -> BigInt,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(publication_origins -> publications (publication_id));
diesel::joinable!(articles -> publications (publication_id));
diesel::joinable!(revisions -> articles (article_id));
diesel::joinable!(reports -> articles (article_id));
diesel::joinable!(reports -> revisions (revision_id));
diesel::joinable!(reports -> users (assignee_id));
diesel::joinable!(correction_notes -> articles (article_id));
diesel::joinable!(correction_notes -> users (author_id));
diesel::joinable!(note_reports -> correction_notes (note_id));
diesel::joinable!(note_reports -> reports (report_id));
diesel::joinable!(anchors -> revisions (revision_id));
diesel::joinable!(events -> users (actor_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    users,
    api_tokens,
    publications,
    publication_origins,
    articles,
    revisions,
    reports,
    correction_notes,
    note_versions,
    note_reports,
    anchors,
    events,
    outbox,
    sessions,
    password_tokens,
    signin_failures,
    report_counts,
);

diesel::table! {
    report_counters (sender_hash, publication_id, minute) {
        sender_hash -> Text,
        publication_id -> BigInt,
        minute -> Timestamp,
        filings -> BigInt,
    }
}

diesel::table! {
    webhooks (publication_id) {
        publication_id -> BigInt,
        url -> Text,
        secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        publication_id -> BigInt,
        event -> Text,
        note_id -> Nullable<BigInt>,
        report_id -> Nullable<BigInt>,
        body -> Text,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries);

diesel::table! {
    mail_preferences (user_id, publication_id) {
        user_id -> BigInt,
        publication_id -> BigInt,
        new_reports -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    digest_periods (id) {
        id -> BigInt,
        user_id -> BigInt,
        frequency -> Text,
        period_start -> Timestamp,
        period_end -> Timestamp,
        reports -> BigInt,
        outbox_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    overdue_alerts (report_id) {
        report_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(mail_preferences -> users (user_id));
diesel::joinable!(mail_preferences -> publications (publication_id));
diesel::joinable!(digest_periods -> users (user_id));
diesel::joinable!(overdue_alerts -> reports (report_id));

// The new tables paired only with those they are read with (the list above pairs the rest).
diesel::allow_tables_to_appear_in_same_query!(mail_preferences, users);
diesel::allow_tables_to_appear_in_same_query!(mail_preferences, publications);
diesel::allow_tables_to_appear_in_same_query!(mail_preferences, articles);
diesel::allow_tables_to_appear_in_same_query!(mail_preferences, reports);
diesel::allow_tables_to_appear_in_same_query!(overdue_alerts, reports);
diesel::allow_tables_to_appear_in_same_query!(overdue_alerts, articles);
diesel::allow_tables_to_appear_in_same_query!(overdue_alerts, publications);
diesel::allow_tables_to_appear_in_same_query!(digest_periods, users);

diesel::table! {
    /// Reports up to `up_to` are in the search index (`db::search::catch_up`).
    search_indexed (id) {
        id -> Integer,
        up_to -> BigInt,
    }
}
