package dev.keel.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the keel command line with its exit code, stdout and stderr. */
record Run(int exitCode, String out, String err) {

    static Run keel(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    String all() {
        return out + err;
    }
}
