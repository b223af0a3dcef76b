/**
 * The jar's entry point, compiled for Java 8: checks the running JDK and hands over to
 * {@code dev.gatehouse.Main}. Must not import anything of the service (it is compiled separately,
 * for an older release), and must do nothing else.
 */
package dev.gatehouse.launch;
