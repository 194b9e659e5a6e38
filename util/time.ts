/**
 * Units of time, so that conversions read as what they are.
 *
 * @module
 */

/** Milliseconds in one second. */
export const MS_PER_SECOND = 1000;
