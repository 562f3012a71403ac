-- The chat message a photo sent to the bot came in: the result of a generation made from it answers
-- that message, so the chat shows which photo it came from. Null for an upload from the Mini App.
ALTER TABLE uploads ADD COLUMN chat_message_id BIGINT;
