package io.dtm4j.faults.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreInstancesTest {
    @TempDir
    Path tmp;

    @Test
    void makesEachStoreByItsName() {
        for (String name : new String[] {"embedded", "postgres", "mysql", "redis"}) {
            assertThat(StoreInstances.of(name).name()).isEqualTo(name);
        }
        assertThatThrownBy(() -> StoreInstances.of("boltdb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("boltdb")
                .hasMessageContaining("embedded, postgres, mysql or redis");
    }

    @Test
    void embeddedIsOneDataDirectoryThatCannotBeStopped() throws Exception {
        Path dir = tmp.resolve("store");
        StoreInstance store = StoreInstances.of("embedded");
        store.start(dir);

        assertThat(store.serverEnv())
                .containsEntry("STORE_DRIVER", "embedded")
                .containsEntry("STORE_DATA_DIR", dir.resolve("embedded").toString());
        assertThat(store.canBeStopped()).isFalse();
        assertThatThrownBy(store::stop).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(store::restart).isInstanceOf(UnsupportedOperationException.class);

        ServerOnStore.preparedMessageOutlivesStoreCrash(store, dir);

        store.close();
        assertThat(dir).doesNotExist();
    }
}
