-- Group chats the bot has pointed to a private chat: one pointer per chat, ever, across restarts
-- (no survey runs in a group, and a group is told so at most once).
CREATE TABLE group_chats (
    channel  TEXT NOT NULL,
    chat_id  TEXT NOT NULL,
    told_at  TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

-- A resident's private chat with the bot has the resident's own id. Rows written with a
-- group's id (a button pressed in a group, before groups were kept out) are put right here, so
-- their questions and news go to them and never to the group.
UPDATE participants SET chat_id = channel_user_id
    WHERE channel = 'telegram' AND chat_id != channel_user_id;
