package org.hvd4j.tensor.cpu;

/**
 * The error function in double precision (W. J. Cody's rational approximations as used by many
 * libm implementations, relative error below 1e-15), since {@link Math} has no erf.
 */
final class Erf {
    private Erf() {
    }

    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax <= 0.46875) {
            double t = x * x;
            double top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t
                    + 377.485237685302021) * t + 3209.37758913846947;
            double bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t
                    + 1282.61652607737228) * t + 2844.23683343917062;
            return x * top / bot;
        }
        double r = erfc(ax);
        return x < 0 ? r - 1.0 : 1.0 - r;
    }

    /** erfc for x > 0.46875. */
    private static double erfc(double x) {
        if (x < 4.0) {
            double top = (((((((2.15311535474403846e-8 * x + 0.564188496988670089) * x + 8.88314979438837594) * x
                    + 66.1191906371416295) * x + 298.635138197400131) * x + 881.952221241769090) * x
                    + 1712.04761263407058) * x + 2051.07837782607147) * x + 1230.33935479799725;
            double bot = (((((((x + 15.7449261107098347) * x + 117.693950891312499) * x
                    + 537.181101862009858) * x + 1621.38957456669019) * x + 3290.79923573345963) * x
                    + 4362.61909014324716) * x + 3439.36767414372164) * x + 1230.33935480374942;
            return Math.exp(-x * x) * top / bot;
        }
        if (x > 27.0) {
            return 0.0;
        }
        double z = 1.0 / (x * x);
        double top = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z
                + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
        double bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z
                + 0.0605183413124413191) * z + 0.00233520497626869185;
        double r = (0.564189583547756287 - z * top / bot) / x;
        return Math.exp(-x * x) * r;
    }
}
