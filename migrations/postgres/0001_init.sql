-- Kite schema v1: the whole object model. Columns follow Keitaro's field names.

CREATE TABLE groups (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL DEFAULT 'campaigns',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'USER',
    access_data TEXT NOT NULL DEFAULT '{}',
    preferences TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_login_key ON users (login);

CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL DEFAULT '',
    key_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    remote_ip TEXT NOT NULL DEFAULT ''
);

CREATE TABLE saved_reports (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL DEFAULT ''
);

CREATE TABLE currency_rates (
    currency TEXT PRIMARY KEY,
    rate DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE bot_list (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX bot_list_kind_value_key ON bot_list (kind, value);

CREATE TABLE affiliate_networks (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    postback_url TEXT NOT NULL DEFAULT '',
    offer_param TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'active',
    template_name TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    pull_api_options TEXT NOT NULL DEFAULT '',
    postback_token TEXT NOT NULL DEFAULT '',
    allowed_ips TEXT NOT NULL DEFAULT '[]',
    duplicate_policy TEXT NOT NULL DEFAULT 'ignore',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE traffic_sources (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    postback_url TEXT NOT NULL DEFAULT '',
    postback_method TEXT NOT NULL DEFAULT 'GET',
    postback_statuses TEXT NOT NULL DEFAULT '[]',
    template_name TEXT NOT NULL DEFAULT '',
    accept_parameters BOOLEAN NOT NULL DEFAULT TRUE,
    parameters TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'active',
    traffic_loss DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE offers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    group_id BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    offer_type TEXT NOT NULL DEFAULT 'external',
    action_type TEXT NOT NULL DEFAULT 'http',
    action_payload TEXT NOT NULL DEFAULT '',
    action_options TEXT NOT NULL DEFAULT '{}',
    affiliate_network_id BIGINT REFERENCES affiliate_networks (id) ON DELETE SET NULL,
    payout_value NUMERIC(18,4) NOT NULL DEFAULT 0,
    payout_currency TEXT NOT NULL DEFAULT '',
    payout_type TEXT NOT NULL DEFAULT 'CPA',
    payout_auto BOOLEAN NOT NULL DEFAULT FALSE,
    payout_upsell BOOLEAN NOT NULL DEFAULT FALSE,
    country TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'active',
    conversion_cap_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    daily_cap INTEGER NOT NULL DEFAULT 0,
    conversion_timezone TEXT NOT NULL DEFAULT 'UTC',
    alternative_offer_id BIGINT REFERENCES offers (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE landing_pages (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    group_id BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    landing_type TEXT NOT NULL DEFAULT 'external',
    action_type TEXT NOT NULL DEFAULT 'http',
    action_payload TEXT NOT NULL DEFAULT '',
    action_options TEXT NOT NULL DEFAULT '{}',
    offer_count INTEGER NOT NULL DEFAULT 1,
    notes TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id BIGSERIAL PRIMARY KEY,
    alias TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'position',
    cookies_ttl INTEGER NOT NULL DEFAULT 24,
    position INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active',
    cost_type TEXT NOT NULL DEFAULT 'CPC',
    cost_value NUMERIC(18,4) NOT NULL DEFAULT 0,
    cost_currency TEXT NOT NULL DEFAULT '',
    cost_auto BOOLEAN NOT NULL DEFAULT FALSE,
    group_id BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    bind_visitors TEXT NOT NULL DEFAULT '',
    traffic_source_id BIGINT REFERENCES traffic_sources (id) ON DELETE SET NULL,
    token TEXT NOT NULL DEFAULT '',
    parameters TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- An alias stays taken while its campaign exists, even disabled or deleted:
-- old links must never start pointing at another campaign.
CREATE UNIQUE INDEX campaigns_alias_key ON campaigns (alias);

CREATE TABLE campaign_postbacks (
    id BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    method TEXT NOT NULL DEFAULT 'GET',
    statuses TEXT NOT NULL DEFAULT '[]',
    url TEXT NOT NULL
);
CREATE INDEX campaign_postbacks_campaign_idx ON campaign_postbacks (campaign_id);

CREATE TABLE streams (
    id BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    type TEXT NOT NULL DEFAULT 'regular',
    name TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    weight DOUBLE PRECISION NOT NULL DEFAULT 100,
    action_type TEXT NOT NULL DEFAULT 'http',
    action_payload TEXT NOT NULL DEFAULT '',
    action_options TEXT NOT NULL DEFAULT '{}',
    schema TEXT NOT NULL DEFAULT 'redirect',
    collect_clicks BOOLEAN NOT NULL DEFAULT TRUE,
    filter_or BOOLEAN NOT NULL DEFAULT FALSE,
    comments TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX streams_campaign_idx ON streams (campaign_id, position);

CREATE TABLE stream_filters (
    id BIGSERIAL PRIMARY KEY,
    stream_id BIGINT NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'accept',
    payload TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX stream_filters_stream_idx ON stream_filters (stream_id);

CREATE TABLE stream_offers (
    id BIGSERIAL PRIMARY KEY,
    stream_id BIGINT NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    offer_id BIGINT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    share INTEGER NOT NULL DEFAULT 100,
    state TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stream_offers_stream_idx ON stream_offers (stream_id);

CREATE TABLE stream_landings (
    id BIGSERIAL PRIMARY KEY,
    stream_id BIGINT NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    landing_id BIGINT NOT NULL REFERENCES landing_pages (id) ON DELETE CASCADE,
    share INTEGER NOT NULL DEFAULT 100,
    state TEXT NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stream_landings_stream_idx ON stream_landings (stream_id);

-- Clicks are partitioned by day of created_at (the time inside the UUIDv7 id,
-- so (id, created_at) is as unique as id). Day partitions are created ahead by
-- the maintenance task; the default partition catches anything else.
CREATE TABLE clicks (
    id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stream_id BIGINT NOT NULL DEFAULT 0,
    offer_id BIGINT NOT NULL DEFAULT 0,
    landing_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    affiliate_network_id BIGINT NOT NULL DEFAULT 0,
    visitor_code TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    isp TEXT NOT NULL DEFAULT '',
    connection_type TEXT NOT NULL DEFAULT '',
    device_type TEXT NOT NULL DEFAULT '',
    device_model TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    os_version TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    browser_version TEXT NOT NULL DEFAULT '',
    is_bot BOOLEAN NOT NULL DEFAULT FALSE,
    is_unique_campaign BOOLEAN NOT NULL DEFAULT FALSE,
    is_unique_stream BOOLEAN NOT NULL DEFAULT FALSE,
    is_unique_global BOOLEAN NOT NULL DEFAULT FALSE,
    keyword TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    creative_id TEXT NOT NULL DEFAULT '',
    ad_campaign_id TEXT NOT NULL DEFAULT '',
    cost NUMERIC(18,4) NOT NULL DEFAULT 0,
    sub_id_1 TEXT NOT NULL DEFAULT '',
    sub_id_2 TEXT NOT NULL DEFAULT '',
    sub_id_3 TEXT NOT NULL DEFAULT '',
    sub_id_4 TEXT NOT NULL DEFAULT '',
    sub_id_5 TEXT NOT NULL DEFAULT '',
    sub_id_6 TEXT NOT NULL DEFAULT '',
    sub_id_7 TEXT NOT NULL DEFAULT '',
    sub_id_8 TEXT NOT NULL DEFAULT '',
    sub_id_9 TEXT NOT NULL DEFAULT '',
    sub_id_10 TEXT NOT NULL DEFAULT '',
    sub_id_11 TEXT NOT NULL DEFAULT '',
    sub_id_12 TEXT NOT NULL DEFAULT '',
    sub_id_13 TEXT NOT NULL DEFAULT '',
    sub_id_14 TEXT NOT NULL DEFAULT '',
    sub_id_15 TEXT NOT NULL DEFAULT '',
    sub_id_16 TEXT NOT NULL DEFAULT '',
    sub_id_17 TEXT NOT NULL DEFAULT '',
    sub_id_18 TEXT NOT NULL DEFAULT '',
    sub_id_19 TEXT NOT NULL DEFAULT '',
    sub_id_20 TEXT NOT NULL DEFAULT '',
    sub_id_21 TEXT NOT NULL DEFAULT '',
    sub_id_22 TEXT NOT NULL DEFAULT '',
    sub_id_23 TEXT NOT NULL DEFAULT '',
    sub_id_24 TEXT NOT NULL DEFAULT '',
    sub_id_25 TEXT NOT NULL DEFAULT '',
    sub_id_26 TEXT NOT NULL DEFAULT '',
    sub_id_27 TEXT NOT NULL DEFAULT '',
    sub_id_28 TEXT NOT NULL DEFAULT '',
    sub_id_29 TEXT NOT NULL DEFAULT '',
    sub_id_30 TEXT NOT NULL DEFAULT '',
    utm_source TEXT NOT NULL DEFAULT '',
    utm_medium TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_term TEXT NOT NULL DEFAULT '',
    utm_content TEXT NOT NULL DEFAULT '',
    extra_params TEXT NOT NULL DEFAULT '{}',
    destination TEXT NOT NULL DEFAULT '',
    lp_clicked_at TIMESTAMPTZ,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;
CREATE INDEX clicks_created_idx ON clicks (created_at);
CREATE INDEX clicks_campaign_created_idx ON clicks (campaign_id, created_at);
CREATE INDEX clicks_id_idx ON clicks (id);

-- Hourly rollup of clicks, kept by the click writer in the same transaction
-- as the insert. Conversions carry the same dimensions, so reports that need
-- only these columns never touch raw clicks.
CREATE TABLE click_stats_hourly (
    hour TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stream_id BIGINT NOT NULL DEFAULT 0,
    offer_id BIGINT NOT NULL DEFAULT 0,
    landing_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    affiliate_network_id BIGINT NOT NULL DEFAULT 0,
    country TEXT NOT NULL DEFAULT '',
    device_type TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    connection_type TEXT NOT NULL DEFAULT '',
    is_bot BOOLEAN NOT NULL DEFAULT FALSE,
    clicks BIGINT NOT NULL DEFAULT 0,
    campaign_unique_clicks BIGINT NOT NULL DEFAULT 0,
    stream_unique_clicks BIGINT NOT NULL DEFAULT 0,
    global_unique_clicks BIGINT NOT NULL DEFAULT 0,
    bots BIGINT NOT NULL DEFAULT 0,
    empty_referrers BIGINT NOT NULL DEFAULT 0,
    lp_clicks BIGINT NOT NULL DEFAULT 0,
    cost NUMERIC(18,4) NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX click_stats_hourly_key ON click_stats_hourly (hour, campaign_id, stream_id, offer_id,
    landing_id, ts_id, affiliate_network_id, country, device_type, os, browser, language, connection_type, is_bot);

CREATE TABLE conversions (
    id BIGSERIAL PRIMARY KEY,
    click_id TEXT NOT NULL,
    tid TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    previous_status TEXT NOT NULL DEFAULT '',
    original_status TEXT NOT NULL DEFAULT '',
    payout NUMERIC(18,4) NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT '',
    revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    attributed BOOLEAN NOT NULL DEFAULT FALSE,
    click_created_at TIMESTAMPTZ,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stream_id BIGINT NOT NULL DEFAULT 0,
    offer_id BIGINT NOT NULL DEFAULT 0,
    landing_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    affiliate_network_id BIGINT NOT NULL DEFAULT 0,
    country TEXT NOT NULL DEFAULT '',
    device_type TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    connection_type TEXT NOT NULL DEFAULT '',
    is_bot BOOLEAN NOT NULL DEFAULT FALSE,
    external_id TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX conversions_click_tid_key ON conversions (click_id, tid);
CREATE INDEX conversions_click_created_idx ON conversions (click_created_at);
CREATE INDEX conversions_created_idx ON conversions (created_at);
CREATE INDEX conversions_unattributed_idx ON conversions (attributed, created_at);

CREATE TABLE received_postbacks (
    id BIGSERIAL PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    method TEXT NOT NULL DEFAULT 'GET',
    remote_ip TEXT NOT NULL DEFAULT '',
    raw_request TEXT NOT NULL DEFAULT '',
    click_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    http_status INTEGER NOT NULL DEFAULT 200,
    conversion_id BIGINT
);
CREATE INDEX received_postbacks_received_idx ON received_postbacks (received_at);
CREATE INDEX received_postbacks_click_idx ON received_postbacks (click_id);

CREATE TABLE s2s_outbox (
    id BIGSERIAL PRIMARY KEY,
    conversion_id BIGINT NOT NULL DEFAULT 0,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    method TEXT NOT NULL DEFAULT 'GET',
    url TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at TIMESTAMPTZ
);
CREATE INDEX s2s_outbox_due_idx ON s2s_outbox (status, next_attempt_at);
CREATE INDEX s2s_outbox_conversion_idx ON s2s_outbox (conversion_id);

CREATE TABLE s2s_attempts (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES s2s_outbox (id) ON DELETE CASCADE,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    status_code INTEGER NOT NULL DEFAULT 0,
    latency_ms BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX s2s_attempts_outbox_idx ON s2s_attempts (outbox_id);
