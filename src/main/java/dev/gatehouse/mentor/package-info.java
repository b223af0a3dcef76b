/**
 * The AI-mentor browser extension's server side beyond plain tasks: reading an uploaded resume
 * (PDF through PDFBox, DOCX, plain text) into text within fixed limits, with a refusal that names
 * the problem for every bad file. Must not touch HTTP routing, quotas, storage backends or SQL.
 */
package dev.gatehouse.mentor;
