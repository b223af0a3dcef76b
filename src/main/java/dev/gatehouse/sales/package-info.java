/**
 * The sales-call analyser's server side: saving the sales-call-analysis task's result as the
 * caller's own {@code call_analyses} row, written as that user so Row Level Security decides.
 * Must not touch HTTP routing, quotas or providers.
 */
package dev.gatehouse.sales;
