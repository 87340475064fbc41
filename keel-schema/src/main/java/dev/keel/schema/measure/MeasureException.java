package dev.keel.schema.measure;

import dev.keel.core.KeelException;

/**
 * The measured analysis could not run: the scratch database could not be created, read or dropped, or a
 * statement on it could not be brought to an end. A statement that merely fails on the scratch copy is not
 * this: it is reported in its {@link Measurement}.
 */
public class MeasureException extends KeelException {

    public MeasureException(String message, String remedy, Throwable cause) {
        super(message, remedy, RUNTIME, cause);
    }
}
