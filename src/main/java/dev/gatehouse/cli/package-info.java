/**
 * The command line: {@code serve}, {@code migrate}, {@code token}, {@code mail}, {@code dev},
 * {@code stripe sync}, {@code stripe trigger}, each with {@code --help}. Parses
 * arguments and calls into the capability packages; holds no logic of its own beyond printing.
 */
package dev.gatehouse.cli;
