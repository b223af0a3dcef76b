package dev.gatehouse.rls;

import dev.gatehouse.support.Persona;
import java.util.UUID;

/** The fixed ids listed at the top of {@code supabase/seed.sql}, and the personas of its users. */
final class Seed {
    static final UUID STUDENT = UUID.fromString("a0000000-0000-4000-8000-000000000001");
    static final UUID STUDENT2 = UUID.fromString("a0000000-0000-4000-8000-000000000002");
    static final UUID INSTRUCTOR = UUID.fromString("a0000000-0000-4000-8000-000000000003");
    static final UUID ADMIN = UUID.fromString("a0000000-0000-4000-8000-000000000004");

    /** Published, free; the student is enrolled (active) and has reviewed it. */
    static final UUID FREE_COURSE = UUID.fromString("c0000000-0000-4000-8000-000000000001");
    /** Published, 4900 cents; nobody is enrolled. */
    static final UUID PAID_COURSE = UUID.fromString("c0000000-0000-4000-8000-000000000002");
    /** Unpublished draft, 2900 cents. */
    static final UUID DRAFT_COURSE = UUID.fromString("c0000000-0000-4000-8000-000000000003");

    static final UUID FREE_PREVIEW_LESSON = UUID.fromString("d0000000-0000-4000-8000-000000000101");
    static final UUID FREE_LESSON = UUID.fromString("d0000000-0000-4000-8000-000000000102");
    static final UUID DRAFT_PREVIEW_LESSON = UUID.fromString("d0000000-0000-4000-8000-000000000301");
    static final UUID FREE_HOMEWORK = UUID.fromString("e0000000-0000-4000-8000-000000000101");
    static final UUID PAID_HOMEWORK = UUID.fromString("e0000000-0000-4000-8000-000000000201");
    static final UUID FREE_SESSION = UUID.fromString("f0000000-0000-4000-8000-000000000101");
    static final UUID FREE_RESOURCE = UUID.fromString("b0000000-0000-4000-8000-000000000101");
    static final UUID STUDENT_ENROLLMENT = UUID.fromString("10000000-0000-4000-8000-000000000001");
    static final UUID INSTRUCTOR_MESSAGE = UUID.fromString("20000000-0000-4000-8000-000000000001");
    static final UUID STUDENT_MESSAGE = UUID.fromString("20000000-0000-4000-8000-000000000002");
    static final UUID STUDENT_REVIEW = UUID.fromString("30000000-0000-4000-8000-000000000001");

    private Seed() {}

    static Persona student() {
        return Persona.user("student", STUDENT, "student@example.com");
    }

    static Persona student2() {
        return Persona.user("student2", STUDENT2, "student2@example.com");
    }

    static Persona instructor() {
        return Persona.user("instructor", INSTRUCTOR, "instructor@example.com");
    }

    static Persona admin() {
        return Persona.user("admin", ADMIN, "admin@example.com");
    }
}
