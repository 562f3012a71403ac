-- The replica sending to a chat now. A claim reserves the chat (next_send_at a lease ahead) for one
-- replica; that replica renews the reservation while its message is on its way (a large upload can
-- outlast one lease) and clears it when the delivery ends. A replica that died stops renewing, and
-- another one takes the chat once the lease ran out.
ALTER TABLE chats ADD COLUMN leased_by UUID;
