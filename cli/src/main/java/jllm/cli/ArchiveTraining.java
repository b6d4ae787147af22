package jllm.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import jllm.kernels.KernelTour;

/**
 * The run that the launcher records its class-data sharing archive from (the classes a run loads
 * are then mapped from the archive on every start instead of being loaded again): a short
 * generation with the bundled model, for the command line, the loader, the tokenizer and the
 * forward pass, then a tour of the quantized types' kernels ({@link KernelTour}), which that
 * model's F32 weights never use. Without the tour, a 1B Q4_0 model's first token came 0.15-0.3 s
 * later: its start made the ~250 lambda and method-handle classes of those kernels again.
 *
 * <p>Usage: {@code ArchiveTraining MODEL}; exits 0 when both parts ran.
 */
public final class ArchiveTraining {
    private ArchiveTraining() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ArchiveTraining MODEL");
            System.exit(2);
        }
        PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream());
        PrintWriter err = new PrintWriter(System.err, true);
        int code = Main.run(quiet, err, "generate", "-m", args[0], "-p", "ROMEO:", "-n", "4", "--temp", "0");
        if (code == 0) {
            KernelTour.run(Runtime.getRuntime().availableProcessors());
        }
        System.exit(code);
    }
}
