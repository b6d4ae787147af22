package jllm.formats;

import java.nio.file.Path;

/**
 * The one exception type for a weight, tokenizer or config file that cannot be read: bad magic,
 * truncation, values out of range, unsupported types. The message names the file, the field and,
 * where it makes sense, the byte offset, so a user can tell which file is broken and where.
 */
public final class FormatException extends RuntimeException {
    private final String file;
    private final String field;
    private final long offset;

    /**
     * @param file   the file (or other source) being read
     * @param field  the field being read, e.g. {@code tensor_infos[3].offset}
     * @param offset the byte offset of the field in the file, or -1 when none applies
     * @param problem what is wrong, in plain words
     */
    public FormatException(String file, String field, long offset, String problem) {
        super(file + ": " + field + (offset >= 0 ? " (at byte " + offset + ")" : "") + ": " + problem);
        this.file = file;
        this.field = field;
        this.offset = offset;
    }

    public FormatException(Path file, String field, long offset, String problem) {
        this(String.valueOf(file), field, offset, problem);
    }

    /** The file or source the error was found in. */
    public String file() { return file; }

    /** The field being read when the error was found. */
    public String field() { return field; }

    /** The byte offset of that field, or -1. */
    public long offset() { return offset; }
}
