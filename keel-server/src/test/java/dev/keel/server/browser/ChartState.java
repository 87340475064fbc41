package dev.keel.server.browser;

import static java.util.Objects.requireNonNull;

/**
 * What the page says about one chart element: whether a chart instance is attached to it, how many series its
 * option has and how many non-null data points they hold together, and the element's size in CSS pixels.
 *
 * @param name the element's {@code data-chart} attribute (or its id when the attribute is empty)
 */
public record ChartState(String name, boolean instance, int series, int points, int width, int height) {

    public ChartState {
        requireNonNull(name, "null name");
    }

    /** The chart exists, is visible, and draws at least one data point. */
    public boolean hasData() {
        return instance && series > 0 && points > 0 && width > 0 && height > 0;
    }

    @Override
    public String toString() {
        if (!instance) {
            return "chart '" + name + "': no chart instance on the element";
        }
        return "chart '" + name + "': " + series + " series, " + points + " points, " + width + "x" + height + " px";
    }
}
