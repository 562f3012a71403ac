-- Which provider route served a generation (the worker's nanogen.providers[n].name; a resume polls
-- there) and what the provider charged for it (issue 20): the admin stats set captured credits
-- against provider cost per model and day.
ALTER TABLE generations ADD COLUMN provider_route text;
ALTER TABLE generations ADD COLUMN provider_cost numeric(14, 6);
