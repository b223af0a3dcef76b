-- Plans: the image and embedding models the gateway now serves (POST /v1/images/generations,
-- POST /v1/embeddings), allowed per plan like chat models, in public.plans.allowed_models.
--
-- Every plan gets gpt-image-1 and text-embedding-3-small; pro and enterprise also get
-- text-embedding-3-large. Images and embeddings are free-form requests, so, like chat, they also
-- need allow_raw_chat. Metering is unchanged in kind: an image counts one request and its
-- token-equivalents by size and quality, an embedding one request and its input tokens
-- (README: "Images and embeddings"). Data only; admission itself is unchanged.

update public.plans
set allowed_models = allowed_models || array['gpt-image-1', 'text-embedding-3-small']
where id in ('free', 'pro', 'enterprise')
  and not ('gpt-image-1' = any (allowed_models));

update public.plans
set allowed_models = allowed_models || array['text-embedding-3-large']
where id in ('pro', 'enterprise')
  and not ('text-embedding-3-large' = any (allowed_models));
