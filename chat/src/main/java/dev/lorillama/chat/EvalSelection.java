package dev.lorillama.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which records an evaluation scores. LoRI's loader keys the records by their prompt (a later
 * record with the same prompt replaces the earlier one's output but keeps its place, as a Python
 * dict does) and yields only full batches of {@value NluProtocol#BATCH}: the final batch is
 * dropped when it holds fewer. {@link #everyRecord} scores all records in file order instead.
 *
 * @param items      the records scored, in order
 * @param inFile     records in the file
 * @param duplicates records whose prompt repeats an earlier one
 * @param dropped    distinct prompts in the final, partial batch
 */
record EvalSelection(List<Item> items, int inFile, int duplicates, int dropped) {
    /** A record scored: its index in the file (the last one with its prompt), instruction and output. */
    record Item(int index, String instruction, String output) {
        String prompt() {
            return NluProtocol.prompt(instruction);
        }
    }

    static EvalSelection lori(List<EvalRecords.EvalRecord> records) {
        Map<String, Item> byPrompt = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            EvalRecords.EvalRecord r = records.get(i);
            byPrompt.put(NluProtocol.prompt(r.instruction()), new Item(i, r.instruction(), r.output()));
        }
        List<Item> distinct = new ArrayList<>(byPrompt.values());
        int kept = distinct.size() / NluProtocol.BATCH * NluProtocol.BATCH;
        return new EvalSelection(List.copyOf(distinct.subList(0, kept)), records.size(), records.size() - distinct.size(),
                distinct.size() - kept);
    }

    static EvalSelection everyRecord(List<EvalRecords.EvalRecord> records) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) items.add(new Item(i, records.get(i).instruction(), records.get(i).output()));
        return new EvalSelection(List.copyOf(items), records.size(), 0, 0);
    }
}
