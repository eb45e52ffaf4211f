/* The public site's behaviour: display modes (长辈版, 高对比度), the article font size, the headline
 * carousel, the print button and keyboard use of the menus. Everything works without this file:
 * the mode toggles are links the server answers, the carousel is a plain list, the print view
 * prints from the browser's menu. Loaded with "defer", so the DOM is ready when it runs. */
(function () {
  "use strict";

  var ONE_YEAR = 365 * 24 * 3600;
  var MODE_CLASSES = { font: "mode-large", contrast: "mode-contrast" };
  var COOKIES = { font: "display_font", contrast: "display_contrast" };
  var root = document.documentElement;

  function setCookie(name, value) {
    var secure = location.protocol === "https:" ? "; secure" : "";
    if (value) {
      document.cookie = name + "=" + value + "; path=/; max-age=" + ONE_YEAR + "; samesite=lax" + secure;
    } else {
      document.cookie = name + "=; path=/; max-age=0; samesite=lax" + secure;
    }
  }

  /* 长辈版 / 高对比度: a toggle button; the server reads the same cookie on the next page. */
  function initDisplayToggles() {
    var toggles = document.querySelectorAll(".display-toggle[data-setting]");
    Array.prototype.forEach.call(toggles, function (toggle) {
      var setting = toggle.getAttribute("data-setting");
      function flip(event) {
        event.preventDefault();
        var on = toggle.getAttribute("aria-pressed") !== "true";
        toggle.setAttribute("aria-pressed", on ? "true" : "false");
        root.classList.toggle(MODE_CLASSES[setting], on);
        setCookie(COOKIES[setting], on ? toggle.getAttribute("data-on") : "");
      }
      toggle.addEventListener("click", flip);
      // role="button" on a link: Space must press it as it presses a real button.
      toggle.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Spacebar") {
          flip(event);
        }
      });
    });
  }

  /* 字号 大/中/小 on item pages, remembered for the next article. */
  function initFontSize() {
    var group = document.querySelector(".font-size");
    var body = document.getElementById("article-body");
    if (!group || !body) {
      return;
    }
    var buttons = group.querySelectorAll("button[data-font-size]");
    function apply(size) {
      body.classList.remove("text-large", "text-medium", "text-small");
      body.classList.add("text-" + size);
      Array.prototype.forEach.call(buttons, function (button) {
        button.setAttribute("aria-pressed", button.getAttribute("data-font-size") === size ? "true" : "false");
      });
    }
    var saved = null;
    try {
      saved = window.localStorage.getItem("article-font-size");
    } catch (ignored) { /* storage blocked: the size lasts for this page only */ }
    apply(saved === "large" || saved === "small" ? saved : "medium");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var size = button.getAttribute("data-font-size");
        apply(size);
        try {
          window.localStorage.setItem("article-font-size", size);
        } catch (ignored) { /* see above */ }
      });
    });
    group.hidden = false;
  }

  /* 头条 carousel: one slide at a time, never faster than the given interval (at least 5 s),
   * paused while the pointer or focus is inside, by the pause button, and for visitors who ask
   * their system for reduced motion. Arrow keys move between slides. */
  function initCarousel(carousel) {
    var slides = carousel.querySelectorAll(".carousel-slide");
    var controls = carousel.querySelector(".carousel-controls");
    if (slides.length < 2 || !controls) {
      return;
    }
    var pause = carousel.querySelector("[data-carousel-pause]");
    var interval = Math.max(parseInt(carousel.getAttribute("data-interval"), 10) || 6000, 5000);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var stopped = reduced;
    var hovering = false;
    var current = 0;
    var timer = null;
    var live = carousel.querySelector(".carousel-slides");

    function show(index, announce) {
      current = (index + slides.length) % slides.length;
      Array.prototype.forEach.call(slides, function (slide, position) {
        slide.hidden = position !== current;
        slide.setAttribute("aria-label", (position + 1) + " / " + slides.length);
      });
      live.setAttribute("aria-live", announce ? "polite" : "off");
    }
    function schedule() {
      window.clearTimeout(timer);
      if (!stopped && !hovering) {
        timer = window.setTimeout(function () {
          show(current + 1, false);
          schedule();
        }, interval);
      }
    }
    function setStopped(value) {
      stopped = value;
      pause.textContent = stopped ? pause.getAttribute("data-play-label") : pause.getAttribute("data-pause-label");
      schedule();
    }

    pause.setAttribute("data-pause-label", pause.textContent);
    carousel.classList.add("carousel-active");
    Array.prototype.forEach.call(slides, function (slide) {
      slide.setAttribute("role", "group");
      slide.setAttribute("aria-roledescription", "slide");
    });
    controls.hidden = false;
    pause.addEventListener("click", function () { setStopped(!stopped); });
    carousel.querySelector("[data-carousel-prev]").addEventListener("click", function () { show(current - 1, true); schedule(); });
    carousel.querySelector("[data-carousel-next]").addEventListener("click", function () { show(current + 1, true); schedule(); });
    carousel.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        show(current + (event.key === "ArrowLeft" ? -1 : 1), true);
        setStopped(true);
      }
    });
    ["mouseenter", "focusin"].forEach(function (name) {
      carousel.addEventListener(name, function () { hovering = true; schedule(); });
    });
    carousel.addEventListener("mouseleave", function () { hovering = false; schedule(); });
    carousel.addEventListener("focusout", function (event) {
      if (!carousel.contains(event.relatedTarget)) {
        hovering = false;
        schedule();
      }
    });
    show(0, false);
    setStopped(stopped);
  }

  /* Menus: Escape leaves an open sub-menu and returns focus to its top link. */
  function initMenus() {
    var nav = document.querySelector(".main-nav");
    if (!nav) {
      return;
    }
    nav.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      var item = event.target.closest(".nav-list > li");
      if (item && item.querySelector(".sub-nav")) {
        item.classList.add("menu-closed");
        item.querySelector("a").focus();
      }
    });
    nav.addEventListener("focusout", function (event) {
      var item = event.target.closest(".nav-list > li");
      if (item && !item.contains(event.relatedTarget)) {
        item.classList.remove("menu-closed");
      }
    });
  }

  function initPrint() {
    var button = document.querySelector("[data-print]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    }
  }

  initDisplayToggles();
  initFontSize();
  Array.prototype.forEach.call(document.querySelectorAll("[data-carousel]"), initCarousel);
  initMenus();
  initPrint();
}());
