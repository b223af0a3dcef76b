package dev.gatehouse.rls;

import dev.gatehouse.support.Persona;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The six personas of the access matrices (supabase/README.md): anon, the enrolled student, a student
 * enrolled in nothing, the seed courses' instructor, another instructor (created here, teaching none of
 * them) and the admin. Matrix files name them by these keys.
 */
record Cast(Map<String, Persona> byName) {

    static Cast create(Fixtures fixtures) throws SQLException {
        Map<String, Persona> m = new LinkedHashMap<>();
        m.put("anon", Persona.anon());
        m.put("student", Seed.student());
        m.put("student2", Seed.student2());
        m.put("instructor", Seed.instructor());
        m.put("instructor2", fixtures.user("instructor2", "instructor"));
        m.put("admin", Seed.admin());
        return new Cast(Map.copyOf(m));
    }

    Persona get(String name) {
        Persona p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no persona '" + name + "'; the cast is " + byName.keySet());
        }
        return p;
    }
}
