/** The search box over the conversation list, wired to the chat model (results open their conversation). */
import { conversationTitle } from '../components/ConversationList.js';
import { SearchBox } from '../components/SearchBox.js';
import type { ChatModel } from './chatModel.js';
import type { ChatState } from './chatState.js';

export function HistorySearch({ model, s }: { model: ChatModel; s: ChatState }) {
  return (
    <SearchBox
      search={s.search}
      titleOf={(id) => {
        const c = s.conversations.find((x) => x.id === id);
        return c === undefined ? 'A conversation' : conversationTitle(c, s.me);
      }}
      onSearch={(words) => void model.search(words)}
      onClear={() => model.clearSearch()}
      onOpen={(r) => model.openResult(r)}
    />
  );
}
