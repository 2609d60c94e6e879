package org.hvd4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PlotResultsTest {
    @TempDir
    Path tmp;

    private int run(String... args) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            return new CommandLine(new PlotResults()).execute(args);
        } finally {
            System.setOut(out);
        }
    }

    @Test
    void drawsOnePngPerCsvWithOneChartPerGroup() throws Exception {
        Path res = Files.createDirectories(tmp.resolve("results"));
        Files.writeString(res.resolve("throughput.csv"), "model,batch_size,trainer,img_sec,conf\n"
                + "mlp,32,hvd4j,20000,100\nmlp,64,hvd4j,30000,100\nmlp,32,pytorch,25000,50\nmlp,64,pytorch,32000,70\n"
                + "cnn,32,hvd4j,600,10\ncnn,32,pytorch,1200,20\n");
        Files.writeString(res.resolve("allreduce.csv"), "ranks,peer,size_bytes,algbw_gbs,busbw_gbs\n"
                + "2,mpi,4096,1.0,1.0\n2,mpi,65536,3.0,3.0\n2,hvd4j-transport,4096,0.5,0.5\n3,mpi,4096,0.8,1.07\n");
        Path out = tmp.resolve("docs");
        assertEquals(0, run(res.toString(), out.toString()));
        BufferedImage t = ImageIO.read(out.resolve("throughput-vs-batch.png").toFile());
        assertEquals(2 * 640, t.getWidth()); // mlp and cnn side by side
        BufferedImage a = ImageIO.read(out.resolve("allreduce-bandwidth.png").toFile());
        assertEquals(2 * 640, a.getWidth()); // 2 and 3 ranks
        assertFalse(Files.exists(out.resolve("scaling-efficiency.png")), "no scaling.csv, no plot");
        Files.writeString(res.resolve("scaling.csv"), "model,ranks,efficiency,host_limit\nmlp,2,0.8,0.9\n");
        assertEquals(0, run(res.toString(), out.toString()));
        assertEquals(640, ImageIO.read(out.resolve("scaling-efficiency.png").toFile()).getWidth());
    }

    @Test
    void badCsvNamesTheFileAndWhatIsWrong() throws Exception {
        Path f = Files.writeString(tmp.resolve("allreduce.csv"), "ranks,peer,size_bytes\n2,mpi,4096\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlotResults.readCsv(f, "ranks", "busbw_gbs"));
        assertTrue(e.getMessage().contains(f + ": no column 'busbw_gbs'"), e.getMessage());
        Path g = Files.writeString(tmp.resolve("x.csv"), "a,b\n1,2,3\n");
        e = assertThrows(IllegalArgumentException.class, () -> PlotResults.readCsv(g, "a"));
        assertTrue(e.getMessage().contains("line 2 has 3 fields"), e.getMessage());
        PrintStream err = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, run(Files.createDirectories(tmp.resolve("empty")).toString(), tmp.resolve("o").toString()));
        } finally {
            System.setErr(err);
        }
    }
}
