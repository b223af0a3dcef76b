-- The usage ledger says how an image request was counted: usage_source 'per_image', the
-- gateway's token-equivalents per image by size and quality (ai.media.ImageMeter), written to
-- completion_tokens, with the prompt's tokens in prompt_tokens. Only the allowed values change;
-- ai_settle_many passes usage_source through as the service sends it.

alter table public.ai_usage drop constraint ai_usage_usage_source_check;
alter table public.ai_usage add constraint ai_usage_usage_source_check
  check (usage_source in ('upstream', 'tokenizer', 'none', 'per_image'));
comment on column public.ai_usage.usage_source is
  'upstream when the provider reported the tokens, tokenizer when the gateway counted them, per_image for images (token-equivalents per image by size and quality in completion_tokens), none when nothing was used.';
