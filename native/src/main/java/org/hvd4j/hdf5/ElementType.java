package org.hvd4j.hdf5;

import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_DOUBLE_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_FLOAT_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_INT16_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_INT32_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_INT64_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_INT8_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_UINT16_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_UINT32_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_UINT64_g;
import static org.bytedeco.hdf5.global.hdf5.H5T_NATIVE_UINT8_g;

/**
 * The numeric element types a dataset may hold, with their size and HDF5's native memory type
 * (little-endian on x86_64; HDF5 converts big-endian files on reading).
 */
public enum ElementType {
    UINT8(1, false, false), INT8(1, true, false), UINT16(2, false, false), INT16(2, true, false),
    UINT32(4, false, false), INT32(4, true, false), UINT64(8, false, false), INT64(8, true, false),
    FLOAT32(4, true, true), FLOAT64(8, true, true);

    private final int bytes;
    private final boolean signed;
    private final boolean floating;

    ElementType(int bytes, boolean signed, boolean floating) {
        this.bytes = bytes;
        this.signed = signed;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloating() {
        return floating;
    }

    /** True for the signed integers and the floats. */
    public boolean isSigned() {
        return signed;
    }

    /** The type of {@code bytes} bytes, integer or float, signed or not; null if there is none. */
    static ElementType of(boolean floating, boolean signed, long bytes) {
        for (ElementType t : values()) {
            if (t.floating == floating && t.bytes == bytes && (floating || t.signed == signed)) {
                return t;
            }
        }
        return null;
    }

    /** HDF5's native memory type id (the library must be initialised). */
    long nativeType() {
        return switch (this) {
            case UINT8 -> H5T_NATIVE_UINT8_g();
            case INT8 -> H5T_NATIVE_INT8_g();
            case UINT16 -> H5T_NATIVE_UINT16_g();
            case INT16 -> H5T_NATIVE_INT16_g();
            case UINT32 -> H5T_NATIVE_UINT32_g();
            case INT32 -> H5T_NATIVE_INT32_g();
            case UINT64 -> H5T_NATIVE_UINT64_g();
            case INT64 -> H5T_NATIVE_INT64_g();
            case FLOAT32 -> H5T_NATIVE_FLOAT_g();
            case FLOAT64 -> H5T_NATIVE_DOUBLE_g();
        };
    }

    /** The name h5py and NumPy use ({@code uint8}, {@code float32}, ...). */
    public String numpyName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
