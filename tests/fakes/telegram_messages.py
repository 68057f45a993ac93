"""Bot API methods that send, edit and delete messages, with Telegram's checks:
text length after entity parsing, Telegram's HTML, callback data size and
"message is not modified"."""

from __future__ import annotations

from typing import Any

from .telegram_html import HtmlParseError, ParsedText, parse_text
from .telegram_objects import JSONDict
from .telegram_state import BotApiState, Params
from .telegram_wire import ApiError, UploadedFile, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})


def check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if "callback_data" in button:
                if not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif len(button) < 2:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )


def _parsed(params: Params, key: str = "text") -> ParsedText:
    """The text (or caption) after entity parsing, within Telegram's length limit."""
    entities = params.get("entities" if key == "text" else "caption_entities")
    try:
        parsed = parse_text(str(params.get(key, "")), params.get("parse_mode"), entities)
    except HtmlParseError as error:
        raise ApiError(400, str(error)) from None
    if key == "text" and len(parsed.text) > MAX_TEXT:
        raise bad_request("message is too long")
    if key == "caption" and len(parsed.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return parsed


def _text_content(parsed: ParsedText, markup: Any) -> JSONDict:
    content: JSONDict = {"text": parsed.text}
    if parsed.entities:
        content["entities"] = parsed.entities
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        content["reply_markup"] = markup  # only inline keyboards come back in a Message
    return content


def send_message(state: BotApiState, params: Params) -> JSONDict:
    chat_id = state.writable_chat_id(params)
    parsed = _parsed(params)
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    check_markup(params.get("reply_markup"))
    return state.new_message(chat_id, _text_content(parsed, params.get("reply_markup")))


def _editable(state: BotApiState, params: Params) -> JSONDict:
    state.writable_chat_id(params)
    message = state.stored_message(params, "message to edit not found")
    if message.get("from", {}).get("id") != state.bot_user["id"]:
        raise bad_request("message can't be edited")
    return message


def _replace(state: BotApiState, message: JSONDict, content: JSONDict) -> JSONDict:
    kept = {key: value for key, value in message.items()
            if key not in ("text", "entities", "reply_markup")}
    edited = kept | content | {"edit_date": int(state.now())}
    state.remember_message(edited)
    return edited


def edit_message_text(state: BotApiState, params: Params) -> JSONDict | bool:
    parsed = _parsed(params)
    markup = params.get("reply_markup")
    check_markup(markup)
    if "inline_message_id" in params:
        return True
    message = _editable(state, params)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    # Without reply_markup, Telegram removes the keyboard: that is a change too.
    content = _text_content(parsed, markup)
    if all(message.get(key) == content.get(key) for key in ("text", "entities", "reply_markup")):
        raise bad_request(NOT_MODIFIED)
    return _replace(state, message, content)


def edit_message_reply_markup(state: BotApiState, params: Params) -> JSONDict | bool:
    markup = params.get("reply_markup")
    check_markup(markup)
    if "inline_message_id" in params:
        return True
    message = _editable(state, params)
    if message.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    content: JSONDict = {key: message[key] for key in ("text", "entities") if key in message}
    if markup:
        content["reply_markup"] = markup
    return _replace(state, message, content)


def delete_message(state: BotApiState, params: Params) -> bool:
    message = state.stored_message(params, "message to delete not found")
    del state.messages[(message["chat"]["id"], message["message_id"])]
    return True


def answer_callback_query(state: BotApiState, params: Params) -> bool:
    query_id = str(params.get("callback_query_id", ""))
    if not query_id or query_id in state.answered_queries:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(str(params.get("text", ""))) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    state.answered_queries.add(query_id)
    return True


def send_chat_action(state: BotApiState, params: Params) -> bool:
    state.writable_chat_id(params)
    if params.get("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def send_file(state: BotApiState, params: Params, kind: str) -> JSONDict:
    """sendDocument (kind "document") and sendPhoto (kind "photo")."""
    chat_id = state.writable_chat_id(params)
    caption = _parsed(params, "caption")
    markup = params.get("reply_markup")
    check_markup(markup)
    source = params.get(kind)
    if isinstance(source, UploadedFile):
        file_id = state.store_file(source, kind)
    elif isinstance(source, str) and source:
        file_id = source  # a file_id, or a URL Telegram would fetch
    else:
        raise bad_request(f"there is no {kind} in the request")
    upload = state.files.get(file_id)
    described: JSONDict = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_size": 0 if upload is None else upload.size,
    }
    content: JSONDict
    if kind == "photo":
        sizes = [(90, 68), (1280, 960)]
        content = {"photo": [described | {"width": w, "height": h} for w, h in sizes]}
    else:
        if upload is not None:
            described["file_name"] = upload.filename or "file"
            described["mime_type"] = upload.content_type
        content = {"document": described}
    if caption.text:
        content["caption"] = caption.text
    if caption.entities:
        content["caption_entities"] = caption.entities
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    return state.new_message(chat_id, content)


def get_file(state: BotApiState, params: Params) -> JSONDict:
    file_id = str(params.get("file_id", ""))
    if file_id not in state.files:
        raise bad_request("invalid file_id")
    path = next(path for path, known in state.file_paths.items() if known == file_id)
    return {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_size": state.files[file_id].size,
        "file_path": path,
    }
